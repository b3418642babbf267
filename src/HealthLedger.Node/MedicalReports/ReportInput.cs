using System.Text.Json.Serialization;
using HealthLedger.Core.Records;

using HealthLedger.Node.Records;

namespace HealthLedger.Node.MedicalReports;

/// <summary>A new report or an amendment: form / request metadata (the file comes separately).</summary>
public sealed class ReportInput
{
    /// <summary>lab, prescription, imaging, discharge-summary or document.</summary>
    public string? Type { get; set; }
    public string? Title { get; set; }
    public string? Summary { get; set; }
    public List<LabResult>? LabResults { get; set; }
    public string? Drug { get; set; }
    public string? Dose { get; set; }
    public string? Route { get; set; }
    public string? Frequency { get; set; }
    public string? Duration { get; set; }
    /// <summary>Why an amendment was made (required for amendments).</summary>
    public string? AmendmentReason { get; set; }

    /// <summary>Lab results one per line: test | value | unit | reference range | flag (for the web form).</summary>
    [JsonIgnore]
    public string? LabResultsText
    {
        get => LabResults is null ? null : string.Join("\n", LabResults.Select(l => $"{l.Test} | {l.Value} | {l.Unit} | {l.ReferenceRange} | {l.Flag}"));
        set => LabResults = (value ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('|', StringSplitOptions.TrimEntries))
            .Select(p => new LabResult(p.ElementAtOrDefault(0) ?? "", p.ElementAtOrDefault(1) ?? "", p.ElementAtOrDefault(2) ?? "", p.ElementAtOrDefault(3) ?? "", p.ElementAtOrDefault(4) ?? ""))
            .ToList();
    }

    public static readonly string[] Types = ["lab", "prescription", "imaging", "discharge-summary", "document"];

    public static ReportType? ParseType(string? text) => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "lab" => ReportType.Lab,
        "prescription" => ReportType.Prescription,
        "imaging" => ReportType.Imaging,
        "discharge-summary" => ReportType.DischargeSummary,
        "document" => ReportType.Document,
        _ => null,
    };

    /// <summary>
    /// The type as a printout and a page title name it: "Laboratory report", "Prescription", "Radiology report" (imaging),
    /// "Discharge summary", "Medical document".
    /// </summary>
    public static string DisplayName(ReportType type) => type switch
    {
        ReportType.Lab => "Laboratory report",
        ReportType.Prescription => "Prescription",
        ReportType.Imaging => "Radiology report",
        ReportType.DischargeSummary => "Discharge summary",
        _ => "Medical document",
    };

    public static string TypeName(ReportType type) => type switch
    {
        ReportType.Lab => "lab",
        ReportType.Prescription => "prescription",
        ReportType.Imaging => "imaging",
        ReportType.DischargeSummary => "discharge-summary",
        _ => "document",
    };

    /// <summary>Checks the fields that apply to the type; <paramref name="hasFile"/> says whether a file comes with it.</summary>
    public (ReportType Type, ReportContent? Content, FieldErrors Errors) Validate(bool hasFile, bool amendment)
    {
        var e = new FieldErrors();
        if (ParseType(Type) is not { } type)
        {
            e.Add("type", $"Type must be one of: {string.Join(", ", Types)}.");
            return (default, null, e);
        }
        var title = FieldRules.Text(e, "title", Title, 200, true, "Title");
        var summary = FieldRules.Text(e, "summary", Summary, 20_000, type is ReportType.Imaging or ReportType.DischargeSummary, type == ReportType.Imaging ? "Findings" : "Summary", multiline: true);
        var reason = FieldRules.Text(e, "amendmentReason", AmendmentReason, 1000, amendment, "Reason for the amendment", multiline: true);
        // JSON may carry null results or null fields in a result: a null result is refused, a null field is empty.
        if (LabResults?.Any(l => l is null) == true) e.Add("labResults", "A result cannot be null; leave it out instead.");
        var labs = (LabResults ?? []).Select((l, i) => l is null ? null : new LabResult(
                FieldRules.Text(e, $"labResults[{i}].test", l.Test, int.MaxValue, false, "Test"),
                FieldRules.Text(e, $"labResults[{i}].value", l.Value, int.MaxValue, false, "Value"),
                FieldRules.Text(e, $"labResults[{i}].unit", l.Unit, int.MaxValue, false, "Unit"),
                FieldRules.Text(e, $"labResults[{i}].referenceRange", l.ReferenceRange, int.MaxValue, false, "Reference range"),
                FieldRules.Text(e, $"labResults[{i}].flag", l.Flag, int.MaxValue, false, "Flag")))
            .OfType<LabResult>().Where(l => l.Test.Length > 0).ToList();
        PrescriptionDetails? prescription = null;
        switch (type)
        {
            case ReportType.Lab:
                if (labs.Count == 0 && !hasFile) e.Add("labResults", "Enter at least one result (test | value | unit | reference range | flag) or attach the lab's file.");
                if (labs.Count > 200) e.Add("labResults", "At most 200 results.");
                if (labs.Any(l => string.IsNullOrWhiteSpace(l.Value))) e.Add("labResults", "Every result needs a value.");
                if (labs.Any(l => l.Test.Length > 100 || l.Value.Length > 50 || l.Unit.Length > 30 || l.ReferenceRange.Length > 50 || l.Flag.Length > 20)) e.Add("labResults", "A result field is too long.");
                break;
            case ReportType.Prescription:
                prescription = new PrescriptionDetails(
                    FieldRules.Text(e, "drug", Drug, 200, true, "Drug"),
                    FieldRules.Text(e, "dose", Dose, 100, true, "Dose"),
                    FieldRules.Text(e, "route", Route, 50, true, "Route"),
                    FieldRules.Text(e, "frequency", Frequency, 100, true, "Frequency"),
                    FieldRules.Text(e, "duration", Duration, 100, true, "Duration"));
                break;
            case ReportType.Document:
                if (!hasFile) e.Add("file", "Attach the file.");
                break;
        }
        if (!e.IsEmpty) return (type, null, e);
        return (type, new ReportContent
        {
            Title = title,
            Summary = summary,
            AmendmentReason = reason,
            LabResults = type == ReportType.Lab ? labs.Select(l => l with { Test = l.Test.Trim(), Value = l.Value.Trim() }).ToList() : [],
            Prescription = prescription,
        }, e);
    }
}

/// <summary>An uploaded file: its stream (read once), name and declared type.</summary>
/// <param name="Content">The file's bytes, read once.</param>
/// <param name="FileName">The name the client gave it.</param>
/// <param name="ContentType">Its declared media type.</param>
/// <param name="CheckRest">Run after the file is stored and before anything is signed: reads what follows the file in the
/// request and returns why the upload is refused (e.g. a second file part), or null. The stored file is discarded on refusal.</param>
public sealed record UploadedFile(Stream Content, string FileName, string ContentType, Func<Task<string?>>? CheckRest = null);
