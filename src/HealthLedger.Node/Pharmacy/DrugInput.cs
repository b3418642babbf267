using System.Text.RegularExpressions;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Pharmacy;

/// <summary>A formulary drug form / request body.</summary>
public sealed partial class DrugInput
{
    /// <summary>The dose forms a drug may have.</summary>
    public static readonly string[] Forms = ["tablet", "capsule", "oral-solution", "oral-suspension", "injection", "infusion", "cream", "ointment", "drops", "inhaler", "suppository", "patch", "other"];

    /// <summary>Generic name (required, at most 100 characters).</summary>
    public string? Name { get; set; }

    /// <summary>Strength, e.g. "500 mg" (required, at most 50 characters).</summary>
    public string? Strength { get; set; }

    /// <summary>Dose form: one of <see cref="Forms"/>.</summary>
    public string? Form { get; set; }

    /// <summary>WHO ATC code, 7 characters such as J01CA04 (a level of 1, 3, 4 or 5 characters is accepted); optional.</summary>
    public string? AtcCode { get; set; }

    /// <summary>Price per unit, 0 to 1,000,000, at most 2 decimals.</summary>
    public decimal? UnitPrice { get; set; }

    /// <summary>Low-stock alert at or below this many units (0 to 1,000,000).</summary>
    public int? ReorderLevel { get; set; }

    /// <summary>
    /// For a change: the version being changed, as read (<c>version</c> of <c>GET</c>, or an <c>If-Match</c> header instead):
    /// required (400 without), and a drug changed meanwhile is 409 (<see cref="EditedVersion"/>). Ignored when adding a drug.
    /// </summary>
    public int? Version { get; set; }

    /// <summary>Checks every field; the details when all pass, otherwise the field errors.</summary>
    public (DrugDetails? Details, FieldErrors Errors) Validate()
    {
        var e = new FieldErrors();
        var name = FieldRules.Text(e, "name", Name, 100, true, "The name");
        var strength = FieldRules.Text(e, "strength", Strength, 50, true, "The strength");
        var form = (Form ?? "").Trim().ToLowerInvariant();
        if (!Forms.Contains(form)) e.Add("form", $"The form must be one of: {string.Join(", ", Forms)}.");
        var atc = (AtcCode ?? "").Trim().ToUpperInvariant();
        if (atc.Length > 0 && !Atc().IsMatch(atc)) e.Add("atcCode", "An ATC code looks like J01CA04 (or a level of it such as J01C).");
        if (UnitPrice is not { } price) e.Add("unitPrice", "The unit price is required.");
        else if (price is < 0 or > 1_000_000 || decimal.Round(price, 2) != price) e.Add("unitPrice", "The unit price must be 0 to 1,000,000 with at most 2 decimals.");
        if (ReorderLevel is not { } level) e.Add("reorderLevel", "The reorder level is required.");
        else if (level is < 0 or > 1_000_000) e.Add("reorderLevel", "The reorder level must be 0 to 1,000,000 units.");
        return e.IsEmpty
            ? (new DrugDetails { Name = name, Strength = strength, Form = form, AtcCode = atc, UnitPrice = UnitPrice!.Value, ReorderLevel = ReorderLevel!.Value }, e)
            : (null, e);
    }

    [GeneratedRegex("^[A-Z]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?$")]
    private static partial Regex Atc();
}
