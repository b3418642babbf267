using Bogus;
using HealthLedger.Core.Records;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Laboratory;
using HealthLedger.Node.Security;
using HealthLedger.Node.Staff;

namespace HealthLedger.Cli.Seeding;

/// <summary>
/// A small laboratory for the demo, through the real path: a catalogue (when the organisation has none), a technician and
/// two pathologists, an ordering doctor who sees the first patients (a visit each), and lab orders in every status, in turn
/// from the first patient: validated, resulted, received, collected, ordered, validated, … Each validated order has one value
/// above every reference range of its test (flagged <c>H</c>, not critical) and its charge on the patient's account.
/// </summary>
/// <remarks>User ids are <c>&lt;prefix&gt;-lab-…</c>, so a second run of the same prefix writes nothing of this (reported, not failed).</remarks>
public sealed class LabSeeder(LabService lab, StaffService staffService, DoctorService doctors, EncounterService encounters, AccountService accounts, UserSession admin, int seed, string prefix)
{
    /// <summary>What was written: orders, of which validated (and of those, with a flagged value); failed writes; why nothing was written.</summary>
    public sealed record Result(int Orders, int Validated, int Failures, string? Skipped, int Flagged = 0);

    /// <summary>The demo catalogue: FBC (HGB, WBC, PLT), glucose, CRP, potassium, sodium, creatinine.</summary>
    public static LabCatalogueInput Catalogue() => new()
    {
        Version = 0,
        Tests =
        [
            Test("HGB", "718-7", "Haemoglobin", "whole blood (EDTA)", "g/L", 10, 250, 5, 4, new ReferenceRange { Sex = "female", Low = 120, High = 160, CriticalLow = 70 }, new ReferenceRange { Sex = "male", Low = 130, High = 175, CriticalLow = 70 }),
            Test("WBC", "6690-2", "White cell count", "whole blood (EDTA)", "10*9/L", 0, 500, 5, 4, new ReferenceRange { Low = 4, High = 11, CriticalHigh = 30 }),
            Test("PLT", "777-3", "Platelets", "whole blood (EDTA)", "10*9/L", 0, 3000, 5, 4, new ReferenceRange { Low = 150, High = 400, CriticalLow = 20 }),
            Test("GLU", "2345-7", "Glucose", "serum", "mmol/L", 0.5m, 60, 8, 2, new ReferenceRange { Low = 3.9m, High = 5.5m, CriticalLow = 2.5m, CriticalHigh = 25 }),
            Test("CRP", "1988-5", "C-reactive protein", "serum", "mg/L", 0, 500, 12, 6, new ReferenceRange { Low = 0, High = 5 }),
            Test("K", "2823-3", "Potassium", "serum", "mmol/L", 1, 10, 6, 2, new ReferenceRange { Low = 3.5m, High = 5.1m, CriticalLow = 2.8m, CriticalHigh = 6.2m }),
            Test("NA", "2951-2", "Sodium", "serum", "mmol/L", 100, 180, 6, 2, new ReferenceRange { Low = 135, High = 145, CriticalLow = 120, CriticalHigh = 160 }),
            Test("CREA", "2160-0", "Creatinine", "serum", "umol/L", 10, 2000, 7, 6, new ReferenceRange { Sex = "female", Low = 45, High = 90 }, new ReferenceRange { Sex = "male", Low = 60, High = 110 }),
        ],
        Panels = [new LabPanel { Code = "FBC", Loinc = "58410-2", Name = "Full blood count", Tests = ["HGB", "WBC", "PLT"], Price = 25.50m, TurnaroundHours = 4 }],
    };

    private static LabTest Test(string code, string loinc, string name, string specimen, string unit, decimal low, decimal high, decimal price, int hours, params ReferenceRange[] ranges) =>
        new() { Code = code, Loinc = loinc, Name = name, SpecimenType = specimen, Unit = unit, PossibleLow = low, PossibleHigh = high, Price = price, TurnaroundHours = hours, ReferenceRanges = ranges };

    /// <summary>Seeds the laboratory and up to <paramref name="orders"/> orders for the given patients.</summary>
    public async Task<Result> RunAsync(IReadOnlyList<string> patientIds, int orders, CancellationToken ct)
    {
        var failures = 0;
        if (lab.Catalogue(admin).Value.Version == 0 && !(await lab.SaveCatalogueAsync(admin, Catalogue(), null, ct)).IsOk) failures++;
        var staff = new Dictionary<string, UserSession>();
        foreach (var (id, role) in new[] { ($"{prefix}-lab-tech", "lab-technician"), ($"{prefix}-lab-path-1", "pathologist"), ($"{prefix}-lab-path-2", "pathologist") })
        {
            var registered = await staffService.RegisterAsync(admin, new StaffInput { UserId = id, Role = role }, ct);
            if (!registered.IsOk) return new Result(0, 0, failures, $"laboratory staff '{id}' exists already: the laboratory was seeded before");
            staff[role == "lab-technician" ? "tech" : staff.ContainsKey("path1") ? "path2" : "path1"] = Login(id, registered.Value!.OneTimePassword!);
        }
        var doctorId = $"{prefix}-lab-orders";
        var doctor = await doctors.RegisterAsync(admin, new DoctorInput
        {
            DoctorId = doctorId,
            Name = "Dr Helen Marrow",
            Specialty = "Haematology",
            Department = "Haematology",
            LicenceNumber = "GMC-" + (7_000_000 + seed),
        }, ct);
        if (!doctor.IsOk) return new Result(0, 0, failures + 1, $"doctor '{doctorId}': {doctor.Message}");
        var orderingDoctor = Login(doctorId, doctor.Value!.OneTimePassword!);
        var faker = new Faker("en") { Random = new Randomizer(seed * 31 + 5) };
        int placed = 0, validated = 0, flagged = 0;
        foreach (var (patientId, n) in patientIds.Take(orders).Select((p, n) => (p, n)))
        {
            // A visit under the ordering doctor makes them attend the patient (the network policy's visit period).
            var visit = await encounters.AddAsync(admin, patientId, new EntryInput
            {
                Type = "visit",
                OccurredAt = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("yyyy-MM-dd'T'HH:mm'Z'", System.Globalization.CultureInfo.InvariantCulture),
                DoctorId = doctorId,
                Notes = "Haematology review.",
            }, ct);
            if (!visit.IsOk) { failures++; continue; }
            var tests = faker.Random.Bool(0.6f) ? new List<string> { "FBC" } : faker.PickRandom(new[] { "GLU", "CRP", "K", "NA", "CREA" }, faker.Random.Int(1, 3)).ToList();
            var order = await lab.PlaceAsync(orderingDoctor, new LabOrderInput
            {
                PatientId = patientId,
                Tests = tests,
                Priority = faker.Random.Bool(0.25f) ? "urgent" : "routine",
                ClinicalNote = faker.PickRandom("Fatigue.", "Pre-operative check.", "Follow-up of known anaemia.", "Fever of unknown origin."),
            }, ct);
            if (!order.IsOk) { failures++; continue; }
            placed++;
            var stop = 4 - n % 5; // 4 validated, 3 resulted, 2 received, 1 collected, 0 ordered, in turn
            var id = order.Value!.Id;
            if (stop >= 1 && !Ok(await lab.CollectAsync(staff["tech"], id, new LabSpecimenInput(), ct), ref failures)) continue;
            if (stop >= 2 && !Ok(await lab.ReceiveAsync(staff["tech"], id, new LabSpecimenInput { SpecimenId = lab.Get(staff["tech"], id).Value!.SpecimenId }, ct), ref failures)) continue;
            if (stop >= 3)
            {
                var (_, catalogue) = lab.Catalogue(admin).Value;
                var values = tests.SelectMany(catalogue.Expand).Select((t, k) =>
                {
                    var range = t.ReferenceRanges[0];
                    // The first value of an order to be validated lies above every range of its test (by sex and age), below its critical limits: flagged H.
                    var value = stop == 4 && k == 0
                        ? Math.Round(t.ReferenceRanges.Max(r => r.High) * 1.1m + 0.1m, 1)
                        : Math.Round(faker.Random.Decimal(range.Low * 0.8m, range.High * 1.2m + 0.5m), 1);
                    return new LabResultValue { Code = t.Code, Unit = t.Unit, Value = Math.Clamp(value, t.PossibleLow, t.PossibleHigh) };
                }).ToList();
                if (!Ok(await lab.EnterResultsAsync(staff["tech"], id, new LabResultsInput { Results = values }, ct), ref failures)) continue;
            }
            if (stop >= 4 && await lab.ValidateAsync(staff[faker.Random.Bool() ? "path1" : "path2"], id, new LabValidationInput(), ct) is var signed && Ok(signed, ref failures))
            {
                validated++;
                if (signed.Value!.LastValidation?.Content.Report.Any(l => l.Flag.Length > 0) == true) flagged++;
            }
        }
        return new Result(placed, validated, failures, null, flagged);
    }

    private UserSession Login(string userId, string password) =>
        accounts.Login(userId, password).Session ?? throw new InvalidOperationException($"The new login '{userId}' does not open.");

    private static bool Ok<T>(Node.Records.Outcome<T> outcome, ref int failures)
    {
        if (outcome.IsOk) return true;
        failures++;
        return false;
    }
}
