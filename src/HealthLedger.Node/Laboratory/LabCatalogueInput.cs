using System.Text.RegularExpressions;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Laboratory;

/// <summary>
/// The catalogue form / request body: the version it replaces (required: 400 without; a mismatch is a 409) and the tests and panels.
/// Codes are letters, digits, '-', '_' or '.' (at most 32), unique among tests and panels; each test has a name, specimen
/// type and unit, a possible range with low &lt; high, reference ranges inside it with low ≤ high, a price ≥ 0 and a
/// turnaround target of 1–720 hours; a panel lists known tests.
/// </summary>
public sealed partial class LabCatalogueInput
{
    /// <summary>
    /// The version being replaced, as read (0 when there is none yet; or an <c>If-Match</c> header instead): required (400
    /// without), and a catalogue changed meanwhile is 409 (<see cref="EditedVersion"/>).
    /// </summary>
    public int? Version { get; set; }

    /// <summary>The tests.</summary>
    public List<LabTest>? Tests { get; set; }

    /// <summary>The panels.</summary>
    public List<LabPanel>? Panels { get; set; }

    /// <summary>The catalogue when every field passes, otherwise the field errors (named like <c>tests[0].unit</c>).</summary>
    public (LabCatalogue? Catalogue, FieldErrors Errors) Validate()
    {
        var e = new FieldErrors();
        var codes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var tests = new List<LabTest>();
        if (Tests is null or { Count: 0 }) e.Add("tests", "List at least one test.");
        else if (Tests.Count > 1000) e.Add("tests", "At most 1,000 tests.");
        for (var i = 0; i < (Tests?.Count ?? 0); i++)
        {
            var t = Tests![i];
            var f = $"tests[{i}]";
            if (t is null) { e.Add(f, "A test is missing."); continue; }
            var code = Code(e, $"{f}.code", t.Code, codes);
            var loinc = Loinc(e, $"{f}.loinc", t.Loinc);
            var name = FieldRules.Text(e, $"{f}.name", t.Name, 120, true, "Name");
            var specimen = FieldRules.Text(e, $"{f}.specimenType", t.SpecimenType, 80, true, "Specimen type");
            var unit = FieldRules.Text(e, $"{f}.unit", t.Unit, 32, true, "Unit");
            if (t.PossibleLow >= t.PossibleHigh) e.Add($"{f}.possibleHigh", "The possible range needs low < high.");
            if (t.Price < 0) e.Add($"{f}.price", "The price cannot be negative.");
            if (t.TurnaroundHours is < 1 or > 720) e.Add($"{f}.turnaroundHours", "The turnaround target must be 1–720 hours.");
            var ranges = t.ReferenceRanges ?? [];
            for (var j = 0; j < ranges.Count; j++)
            {
                var r = ranges[j];
                var rf = $"{f}.referenceRanges[{j}]";
                if (r is null) { e.Add(rf, "A range is missing."); continue; }
                if (r.Sex.Length > 0 && r.Sex is not ("female" or "male")) e.Add($"{rf}.sex", "Sex must be female, male or empty (any).");
                if (r.Low > r.High) e.Add($"{rf}.high", "A reference range needs low ≤ high.");
                if (r.Low < t.PossibleLow || r.High > t.PossibleHigh) e.Add($"{rf}.low", "A reference range must lie within the possible range.");
                if (r.MinAgeYears is < 0 or > 130 || r.MaxAgeYears is < 0 or > 130 || r.MinAgeYears > r.MaxAgeYears) e.Add($"{rf}.minAgeYears", "Ages must be 0–130 with min ≤ max.");
                if (r.CriticalLow > r.Low || r.CriticalHigh < r.High) e.Add($"{rf}.criticalLow", "Critical limits lie outside the reference range.");
            }
            tests.Add(t with { Code = code, Loinc = loinc, Name = name, SpecimenType = specimen, Unit = unit, ReferenceRanges = ranges.Where(r => r is not null).ToList() });
        }
        var panels = new List<LabPanel>();
        for (var i = 0; i < (Panels?.Count ?? 0); i++)
        {
            var p = Panels![i];
            var f = $"panels[{i}]";
            if (p is null) { e.Add(f, "A panel is missing."); continue; }
            var code = Code(e, $"{f}.code", p.Code, codes);
            var loinc = Loinc(e, $"{f}.loinc", p.Loinc);
            var name = FieldRules.Text(e, $"{f}.name", p.Name, 120, true, "Name");
            if (p.Tests is null or { Count: 0 }) e.Add($"{f}.tests", "A panel lists at least one test.");
            foreach (var missing in (p.Tests ?? []).Where(c => !tests.Any(t => string.Equals(t.Code, c, StringComparison.OrdinalIgnoreCase))))
            {
                e.Add($"{f}.tests", $"'{missing}' is not a test of the catalogue.");
            }
            if (p.Price < 0) e.Add($"{f}.price", "The price cannot be negative.");
            if (p.TurnaroundHours is < 1 or > 720) e.Add($"{f}.turnaroundHours", "The turnaround target must be 1–720 hours.");
            panels.Add(p with { Code = code, Loinc = loinc, Name = name, Tests = (p.Tests ?? []).Select(c => tests.FirstOrDefault(t => string.Equals(t.Code, c, StringComparison.OrdinalIgnoreCase))?.Code ?? c).ToList() });
        }
        return e.IsEmpty ? (new LabCatalogue { Tests = tests, Panels = panels }, e) : (null, e);
    }

    private static string Code(FieldErrors e, string field, string? value, HashSet<string> seen)
    {
        var code = (value ?? "").Trim();
        if (!CodePattern().IsMatch(code)) e.Add(field, "A code is 1–32 letters, digits, '-', '_' or '.'.");
        else if (!seen.Add(code)) e.Add(field, $"Code '{code}' appears twice.");
        return code;
    }

    private static string Loinc(FieldErrors e, string field, string? value)
    {
        var loinc = (value ?? "").Trim();
        if (loinc.Length > 0 && !LoincPattern().IsMatch(loinc)) e.Add(field, "A LOINC code looks like 718-7 (digits, '-', a check digit).");
        return loinc;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,32}$")]
    private static partial Regex CodePattern();

    [GeneratedRegex("^[0-9]{1,7}-[0-9]$")]
    private static partial Regex LoincPattern();
}
