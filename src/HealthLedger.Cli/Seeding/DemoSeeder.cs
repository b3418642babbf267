using Bogus;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Security;

namespace HealthLedger.Cli.Seeding;

/// <summary>
/// Realistic synthetic hospital data (Bogus), written through the real path: the admin's session, the hospital service,
/// signed transactions, sealed records. Returns what it wrote so a caller can check where it ended up. The first patient is
/// always recorded as allergic to penicillin (for the prescription seeder's allergy override).
/// </summary>
/// <remarks>Doctor ids are <c><paramref name="doctorPrefix"/>-&lt;last name&gt;-&lt;n&gt;</c>.</remarks>
public sealed class DemoSeeder(PatientService patientService, DoctorService doctorService, EncounterService encounters, UserSession admin, int seed,
    string doctorPrefix = "dr")
{
    private static readonly string[] Specialties = ["Cardiology", "Emergency Medicine", "General Surgery", "Internal Medicine", "Neurology", "Oncology", "Orthopaedics", "Paediatrics", "Psychiatry", "Radiology", "Respiratory Medicine", "Obstetrics"];
    private static readonly string[] Conditions = ["Hypertension", "Type 2 diabetes", "Asthma", "COPD", "Heart failure", "Pneumonia", "Chronic kidney disease", "Depression", "Osteoarthritis", "Migraine", "Atrial fibrillation", "Hypothyroidism", "Anaemia", "Epilepsy", "Fractured femur", "Appendicitis"];
    private int _nextBed; // a bed holds one patient at a time: each seeded stay gets its own bed

    private static readonly string[] Wards = ["A1", "A2", "B1", "B2", "C1", "ICU", "MAT"];
    private static readonly string[] Services = ["Consultation", "Ward day", "X-ray", "CT scan", "Blood panel", "Physiotherapy session", "Medication", "Surgery (minor)", "ECG"];

    /// <summary>What was written.</summary>
    /// <param name="Refused">Why nothing was written (no doctor could be registered, e.g. the ids of this seed are taken), else null.</param>
    public sealed record Result(IReadOnlyList<PatientDetails> Patients, int Doctors, int Entries, int Failures, string? Refused = null);

    public async Task<Result> RunAsync(int patients, int doctors, Action<int> onPatientDone, CancellationToken ct)
    {
        var faker = new Faker("en") { Random = new Randomizer(seed) };
        var doctorIds = new List<string>();
        var failures = 0;
        string? firstError = null;
        for (var i = 0; i < doctors; i++)
        {
            var name = faker.Name.FullName();
            var specialty = Specialties[i % Specialties.Length];
            var outcome = await doctorService.RegisterAsync(admin, new DoctorInput
            {
                DoctorId = $"{doctorPrefix}-{faker.Name.LastName().ToLowerInvariant().Replace("'", "", StringComparison.Ordinal)}-{i + 1}",
                Name = "Dr " + name,
                Specialty = specialty,
                Department = specialty == "Emergency Medicine" ? "Emergency" : specialty,
                Qualification = faker.PickRandom("MBBS", "MD", "MBBS, FRCP", "MD, PhD", "MBChB, MRCS"),
                LicenceNumber = "GMC-" + faker.Random.Number(1_000_000, 9_999_999),
                Phone = faker.Phone.PhoneNumber("+44 20 #### ####"),
                Email = faker.Internet.Email(name).ToLowerInvariant(),
                ConsultationHours = faker.PickRandom("Mon-Fri 09:00-17:00", "Mon, Wed 08:00-14:00", "Tue, Thu 12:00-20:00", "Weekends 10:00-18:00"),
                OnCall = faker.Random.Bool(0.3f),
            }, ct);
            if (outcome.IsOk) doctorIds.Add(outcome.Value!.Id);
            else
            {
                failures++;
                firstError ??= outcome.Errors?.ToDictionary().Values.SelectMany(m => m).FirstOrDefault() ?? outcome.Message;
            }
        }
        if (doctorIds.Count == 0) return new Result([], 0, 0, failures, $"no doctor could be registered ({firstError?.TrimEnd('.')})");

        var written = new List<PatientDetails>();
        var entries = 0;
        var today = DateTime.UtcNow.Date;
        var gate = new SemaphoreSlim(4);
        var usedMrns = new HashSet<string>();
        var plans = new List<(PatientInput Input, Faker F)>();
        for (var i = 0; i < patients; i++)
        {
            var gender = faker.PickRandom("female", "male");
            var first = faker.Name.FirstName(gender == "female" ? Bogus.DataSets.Name.Gender.Female : Bogus.DataSets.Name.Gender.Male);
            var last = faker.Name.LastName();
            string mrn;
            do mrn = "MRN-" + faker.Random.Number(100_000, 999_999); while (!usedMrns.Add(mrn));
            plans.Add((new PatientInput
            {
                Mrn = mrn,
                FullName = $"{first} {last}",
                DateOfBirth = DateOnly.FromDateTime(faker.Date.Past(90, today.AddYears(-1))),
                Gender = gender,
                Phone = faker.Phone.PhoneNumber("+44 7### ######"),
                Email = faker.Internet.Email(first, last).ToLowerInvariant(),
                Address = $"{faker.Address.StreetAddress()}, {faker.Address.City()} {faker.Address.ZipCode()}",
                Conditions = faker.PickRandom(Conditions, faker.Random.Int(1, 3)).ToList(),
                EmergencyContact = $"{faker.Name.FullName()} ({faker.PickRandom("spouse", "parent", "sibling", "friend")}) {faker.Phone.PhoneNumber("+44 7### ######")}",
                BloodGroup = faker.PickRandom("A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"),
                Allergies = faker.Random.Bool(0.3f) ? faker.PickRandom("Penicillin", "Peanuts", "Latex", "Aspirin", "Shellfish") : "",
            }, new Faker("en") { Random = new Randomizer(seed * 7919 + i) }));
            if (i == 0) plans[0].Input.Allergies = "Penicillin (rash)"; // always one penicillin allergy: the pharmacy's seeded allergy override
        }
        var done = 0;
        await Task.WhenAll(plans.Select(async plan =>
        {
            await gate.WaitAsync(ct);
            try
            {
                var registered = await patientService.RegisterAsync(admin, plan.Input, ct);
                if (!registered.IsOk)
                {
                    Interlocked.Increment(ref failures);
                    return;
                }
                lock (written) written.Add(plan.Input.Validate(DateOnly.FromDateTime(today)).Details!);
                var added = await AddEncountersAsync(registered.Value!.Id, plan.F, doctorIds, today, ct);
                Interlocked.Add(ref entries, added.Written);
                Interlocked.Add(ref failures, added.Failed);
            }
            finally
            {
                gate.Release();
                onPatientDone(Interlocked.Increment(ref done));
            }
        }));
        return new Result(written, doctorIds.Count, entries, failures);
    }

    private async Task<(int Written, int Failed)> AddEncountersAsync(string patientId, Faker f, List<string> doctors, DateTime today, CancellationToken ct)
    {
        var inputs = new List<EntryInput>();
        var start = today.AddDays(-f.Random.Int(1, 120)).AddHours(f.Random.Int(7, 20)).AddMinutes(f.Random.Int(0, 59));
        var doctor = f.PickRandom(doctors);
        inputs.Add(new EntryInput { Type = "visit", OccurredAt = Z(start), DoctorId = doctor, Notes = "Outpatient review.", Diagnosis = f.PickRandom(Conditions) });
        inputs.Add(new EntryInput { Type = "charge", OccurredAt = Z(start), Service = "Consultation", Quantity = 1, UnitPrice = 85m });
        if (f.Random.Bool(0.6f))
        {
            var admitted = start.AddDays(f.Random.Int(0, 10)).AddHours(2);
            var ward = f.PickRandom(Wards);
            inputs.Add(new EntryInput { Type = "admission", OccurredAt = Z(admitted), DoctorId = doctor, Ward = ward, Bed = Interlocked.Increment(ref _nextBed).ToString(System.Globalization.CultureInfo.InvariantCulture), Reason = "Admitted for observation and treatment." });
            var days = f.Random.Int(1, 9);
            inputs.Add(new EntryInput { Type = "charge", OccurredAt = Z(admitted), Service = "Ward day", Quantity = days, UnitPrice = 450m });
            var discharge = admitted.AddDays(days);
            if (discharge < today && f.Random.Bool(0.7f))
            {
                inputs.Add(new EntryInput { Type = "discharge", OccurredAt = Z(discharge), Summary = "Discharged home in stable condition; follow-up in clinic." });
            }
        }
        for (var i = f.Random.Int(0, 2); i > 0; i--)
        {
            inputs.Add(new EntryInput { Type = "charge", OccurredAt = Z(start.AddDays(f.Random.Int(0, 5))), Service = f.PickRandom(Services), Quantity = f.Random.Int(1, 3), UnitPrice = f.Random.Int(20, 900) });
        }
        if (f.Random.Bool(0.7f))
        {
            inputs.Add(new EntryInput { Type = "payment", OccurredAt = Z(start.AddDays(f.Random.Int(1, 20)) is var paid && paid < today ? paid : today.AddHours(-1)), Amount = f.Random.Int(50, 1500), Method = f.PickRandom("cash", "card", "insurance", "bank-transfer") });
        }
        int written = 0, failed = 0;
        foreach (var input in inputs.OrderBy(i => i.OccurredAt, StringComparer.Ordinal))
        {
            if (string.CompareOrdinal(input.OccurredAt, Z(today)) > 0) input.OccurredAt = Z(today.AddHours(-1));
            if (input.Type == "payment")
            {
                // A payment may not exceed the balance due (no deposits in the demo data).
                var due = encounters.BalanceDue(patientId);
                if (due <= 0) continue;
                input.Amount = Math.Min(input.Amount ?? 0, due);
            }
            var outcome = await encounters.AddAsync(admin, patientId, input, ct);
            if (outcome.IsOk) written++;
            else failed++;
        }
        return (written, failed);
    }

    /// <summary>A UTC instant as the API reads it (sortable as text).</summary>
    private static string Z(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
