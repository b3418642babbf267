using HealthLedger.Node.Records;

namespace HealthLedger.Node.Pharmacy;

/// <summary>A prescription form / request body: a formulary drug and how it is taken.</summary>
public sealed class PrescriptionInput
{
    /// <summary>The routes of administration.</summary>
    public static readonly string[] Routes = ["oral", "intravenous", "intramuscular", "subcutaneous", "topical", "inhaled", "rectal", "sublingual", "ophthalmic", "other"];

    /// <summary>The drug's id in the patient's organisation's formulary (required).</summary>
    public string? DrugId { get; set; }

    /// <summary>Dose per administration, e.g. "500 mg" (required, at most 50 characters).</summary>
    public string? Dose { get; set; }

    /// <summary>Route: one of <see cref="Routes"/>.</summary>
    public string? Route { get; set; }

    /// <summary>How often, e.g. "three times a day" (required, at most 100 characters).</summary>
    public string? Frequency { get; set; }

    /// <summary>Days of treatment (1 to 365).</summary>
    public int? DurationDays { get; set; }

    /// <summary>Units per supply (1 to 1,000,000).</summary>
    public int? Quantity { get; set; }

    /// <summary>Further supplies after the first (0 to 12; default 0).</summary>
    public int? Repeats { get; set; }

    /// <summary>Instructions for the patient, optional (at most 500 characters).</summary>
    public string? Instructions { get; set; }

    /// <summary>Why to prescribe despite an allergy warning (required when there is one, at most 500 characters).</summary>
    public string? OverrideReason { get; set; }

    /// <summary>Checks the fields (not the drug or the allergies); the details (without the drug) when all pass, otherwise the field errors.</summary>
    public (PrescriptionDetails? Details, string DrugId, FieldErrors Errors) Validate()
    {
        var e = new FieldErrors();
        var drugId = (DrugId ?? "").Trim();
        if (drugId.Length == 0) e.Add("drugId", "Choose a drug from the formulary.");
        var dose = FieldRules.Text(e, "dose", Dose, 50, true, "The dose");
        var route = (Route ?? "").Trim().ToLowerInvariant();
        if (!Routes.Contains(route)) e.Add("route", $"The route must be one of: {string.Join(", ", Routes)}.");
        var frequency = FieldRules.Text(e, "frequency", Frequency, 100, true, "The frequency");
        if (DurationDays is not (>= 1 and <= 365)) e.Add("durationDays", "The duration must be 1 to 365 days.");
        if (Quantity is not (>= 1 and <= Core.Records.Pharmacy.MaxQuantity)) e.Add("quantity", "The quantity must be 1 to 1,000,000 units.");
        if (Repeats is < 0 or > Core.Records.Pharmacy.MaxRepeats) e.Add("repeats", $"The repeats must be 0 to {Core.Records.Pharmacy.MaxRepeats}.");
        var instructions = FieldRules.Text(e, "instructions", Instructions, 500, false, "The instructions", multiline: true);
        var reason = FieldRules.Text(e, "overrideReason", OverrideReason, 500, false, "The override reason", multiline: true);
        return e.IsEmpty
            ? (new PrescriptionDetails { Dose = dose, Route = route, Frequency = frequency, DurationDays = DurationDays!.Value, Instructions = instructions, OverrideReason = reason }, drugId, e)
            : (null, drugId, e);
    }
}
