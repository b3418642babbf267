using HealthLedger.Node.Doctors;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Pharmacy;
using HealthLedger.Node.Security;
using HealthLedger.Node.Staff;

namespace HealthLedger.Cli.Seeding;

/// <summary>
/// Prescriptions and dispenses for the demo, through the real path: a pharmacist and a prescribing doctor (who attends the
/// patients: a visit each), prescriptions for the first patients from the seeded formulary, one of them — Amoxicillin for a
/// patient recorded as allergic to penicillin — with an allergy override reason, and dispenses by the pharmacist: full
/// supplies, a partial fill, and one prescription left on the worklist. Amoxicillin is dispensed first expiry first out,
/// from the near-expiry batch. Charges land on the patients' accounts with each dispense.
/// </summary>
/// <remarks>User ids are <c>&lt;prefix&gt;-pharmacist</c> and <c>&lt;prefix&gt;-prescriber</c>; a second run of the same prefix writes nothing of this (reported, not failed).</remarks>
public sealed class PrescriptionSeeder(PharmacyService pharmacy, StaffService staffService, DoctorService doctors, EncounterService encounters, AccountService accounts,
    UserSession admin, int seed, string prefix)
{
    /// <summary>The override reason of the seeded allergy override.</summary>
    public const string OverrideReason = "Tolerated a full amoxicillin course in 2024 without reaction; no alternative suits.";

    /// <summary>What was written: prescriptions, of which with an allergy override; dispenses; failed writes; why nothing was written.</summary>
    public sealed record Result(int Prescriptions, int Overrides, int Dispenses, int Failures, string? Skipped);

    private static readonly (string Drug, string Dose, string Route, string Frequency, int Days, int Quantity, int Repeats, string Instructions)[] Plans =
    [
        ("Paracetamol", "1 g", "oral", "four times a day when needed", 5, 40, 0, "No more than 8 tablets in 24 hours."),
        ("Metformin", "500 mg", "oral", "twice a day with meals", 28, 56, 2, "Take with food."),
        ("Atorvastatin", "20 mg", "oral", "once a day at night", 28, 28, 5, ""),
        ("Ramipril", "5 mg", "oral", "once a day", 28, 28, 2, "Check blood pressure and kidney function in two weeks."),
        ("Salbutamol", "2 puffs", "inhaled", "when needed for breathlessness", 30, 1, 1, "Use a spacer."),
    ];

    /// <summary>
    /// Seeds up to <paramref name="count"/> prescriptions for <paramref name="patientIds"/>: the first patient whose recorded
    /// allergies warn against Amoxicillin gets the override; the others get <see cref="Plans"/> in turn.
    /// </summary>
    public async Task<Result> RunAsync(IReadOnlyList<string> patientIds, IReadOnlyDictionary<string, string> drugIds, int count, CancellationToken ct)
    {
        if (!drugIds.ContainsKey("Amoxicillin")) return new Result(0, 0, 0, 0, "the formulary has no Amoxicillin: the pharmacy was not seeded");
        var pharmacistId = $"{prefix}-pharmacist";
        var registered = await staffService.RegisterAsync(admin, new StaffInput { UserId = pharmacistId, Role = "pharmacist" }, ct);
        if (!registered.IsOk) return new Result(0, 0, 0, 0, $"pharmacist '{pharmacistId}' exists already: prescriptions were seeded before");
        var pharmacist = Login(pharmacistId, registered.Value!.OneTimePassword!);
        var doctorId = $"{prefix}-prescriber";
        var doctor = await doctors.RegisterAsync(admin, new DoctorInput
        {
            DoctorId = doctorId,
            Name = "Dr Omar Script",
            Specialty = "Internal Medicine",
            Department = "Internal Medicine",
            LicenceNumber = "GMC-" + (8_000_000 + (seed & 0xFFFFF)),
        }, ct);
        if (!doctor.IsOk) return new Result(0, 0, 0, 1, $"doctor '{doctorId}': {doctor.Message}");
        var prescriber = Login(doctorId, doctor.Value!.OneTimePassword!);

        // The allergic patient first (the admin sees the allergies), then the others in id order.
        var allergic = patientIds.FirstOrDefault(id => pharmacy.AllergyWarnings(admin, id, drugIds["Amoxicillin"]).Count > 0);
        var chosen = (allergic is null ? patientIds : [allergic, .. patientIds.Where(id => id != allergic)]).Take(count).ToList();
        int prescribed = 0, overrides = 0, dispensed = 0, failures = 0;
        foreach (var (patientId, n) in chosen.Select((p, n) => (p, n)))
        {
            // A visit under the prescriber makes them attend the patient (the network policy's visit period).
            var visit = await encounters.AddAsync(admin, patientId, new EntryInput
            {
                Type = "visit",
                OccurredAt = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("yyyy-MM-dd'T'HH:mm'Z'", System.Globalization.CultureInfo.InvariantCulture),
                DoctorId = doctorId,
                Notes = "Medication review.",
            }, ct);
            if (!visit.IsOk)
            {
                failures++;
                continue;
            }
            var input = patientId == allergic
                ? new PrescriptionInput { DrugId = drugIds["Amoxicillin"], Dose = "500 mg", Route = "oral", Frequency = "three times a day", DurationDays = 7, Quantity = 21, OverrideReason = OverrideReason }
                : Prescription(Plans[n % Plans.Length], drugIds);
            if (input is null) continue;
            var rx = await pharmacy.PrescribeAsync(prescriber, patientId, input, ct);
            if (!rx.IsOk)
            {
                failures++;
                continue;
            }
            prescribed++;
            if (rx.Value!.Prescription.Details.OverrideReason.Length > 0) overrides++;
            // Dispenses: most in full; every third a partial fill; the last one left on the pharmacist's worklist.
            if (n == chosen.Count - 1 && chosen.Count > 1) continue;
            var quantity = n % 3 == 2 ? Math.Max(1, rx.Value.Prescription.Quantity / 2) : rx.Value.Prescription.Quantity;
            var dispense = await pharmacy.DispenseAsync(pharmacist, rx.Value.Prescription.Id, new DispenseInput { Quantity = quantity, Notes = "Counselled on use and side effects." }, ct);
            if (dispense.IsOk) dispensed++;
            else failures++;
        }
        return new Result(prescribed, overrides, dispensed, failures, null);
    }

    private static PrescriptionInput? Prescription((string Drug, string Dose, string Route, string Frequency, int Days, int Quantity, int Repeats, string Instructions) plan,
        IReadOnlyDictionary<string, string> drugIds) =>
        drugIds.TryGetValue(plan.Drug, out var id)
            ? new PrescriptionInput { DrugId = id, Dose = plan.Dose, Route = plan.Route, Frequency = plan.Frequency, DurationDays = plan.Days, Quantity = plan.Quantity, Repeats = plan.Repeats, Instructions = plan.Instructions }
            : null;

    private UserSession Login(string userId, string password) =>
        accounts.Login(userId, password).Session ?? throw new InvalidOperationException($"The new login '{userId}' does not open.");
}
