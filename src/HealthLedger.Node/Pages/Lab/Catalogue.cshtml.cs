using System.Text.RegularExpressions;
using HealthLedger.Core.Model;
using HealthLedger.Node.Laboratory;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Lab;

/// <summary>
/// The organisation's test catalogue for its admins: every test and panel, and a form that adds a test or edits one
/// (code/LOINC, name, specimen type, unit, possible range, reference ranges by sex and age band with critical limits,
/// price, turnaround target). Saving replaces the catalogue through <see cref="LabService.SaveCatalogueAsync"/>, the same
/// call as <c>PUT /api/v1/lab/catalogue</c>; its field errors (<c>tests[i].unit</c>, <c>tests[i].referenceRanges[j].high</c>)
/// are shown next to the form's fields.
/// </summary>
public sealed partial class CatalogueModel(LabService lab) : HospitalPage
{
    /// <summary>Reference range rows on the form (empty rows are ignored).</summary>
    public const int RangeRows = 4;

    [BindProperty]
    public LabTestForm Test { get; set; } = LabTestForm.Blank();

    /// <summary>The catalogue version the form was loaded from (hidden field; required: a form without it is 400, a change meanwhile 409).</summary>
    [BindProperty]
    public int? CatalogueVersion { get; set; }

    public LabCatalogue Catalogue { get; private set; } = LabCatalogue.Empty;

    public IActionResult OnGet(string? code)
    {
        if (Load() is { } failed) return failed;
        if (code is not null)
        {
            if (Catalogue.Test(code) is not { } test) return Failure(Records.Outcome<object>.NotFound($"The catalogue has no test '{code}'."), Page);
            Test = LabTestForm.From(test);
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (Load() is { } failed) return failed;
        var original = (Test.OriginalCode ?? "").Trim();
        var tests = Catalogue.Tests.ToList();
        var index = original.Length > 0 ? tests.FindIndex(t => string.Equals(t.Code, original, StringComparison.OrdinalIgnoreCase)) : -1;
        var (edited, rows) = Test.ToTest();
        if (index >= 0) tests[index] = edited;
        else
        {
            index = tests.Count;
            tests.Add(edited);
        }
        var outcome = await lab.SaveCatalogueAsync(Me, new LabCatalogueInput { Version = CatalogueVersion, Tests = tests, Panels = [.. Catalogue.Panels] }, null, ct);
        if (!outcome.IsOk)
        {
            if (outcome.Kind is not (Records.OutcomeKind.Invalid or Records.OutcomeKind.Conflict)) return Failure(outcome, Page);
            ModelState.Clear();
            FormError = outcome.Kind == Records.OutcomeKind.Invalid ? "Please correct the fields marked below." : outcome.Message;
            // A stale version (409) or bad fields (400) answer with their status, so a client sees the catalogue was not saved.
            Response.StatusCode = outcome.Kind == Records.OutcomeKind.Conflict ? 409 : 400;
            foreach (var (field, messages) in outcome.Errors?.ToDictionary() ?? new Dictionary<string, string[]>())
            {
                foreach (var message in messages) ModelState.AddModelError(FormField(field, index, rows), message);
            }
            return Page();
        }
        TempData["Flash"] = $"Test {edited.Code} saved: the catalogue is at version {outcome.Value.Version}.";
        return Redirect("/lab/catalogue");
    }

    /// <summary>
    /// The form field of a service field error: <c>tests[index].unit</c> → <c>Test.Unit</c>,
    /// <c>tests[index].referenceRanges[j].high</c> → <c>Test.Ranges[row].High</c>; anything else (another test, a panel) → the form's summary.
    /// </summary>
    private static string FormField(string field, int index, IReadOnlyList<int> rows)
    {
        var prefix = $"tests[{index}].";
        if (!field.StartsWith(prefix, StringComparison.Ordinal)) return "";
        var rest = RangeField().Replace(field[prefix.Length..], m => $"Ranges[{rows[int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)]}].");
        var dot = rest.LastIndexOf('.');
        return "Test." + rest[..(dot + 1)] + char.ToUpperInvariant(rest[dot + 1]) + rest[(dot + 2)..];
    }

    [GeneratedRegex(@"^referenceRanges\[(\d+)\]\.")]
    private static partial Regex RangeField();

    private IActionResult? Load()
    {
        if (Me.Role != Role.Admin) return Denied("Only admins edit the laboratory catalogue.");
        var current = lab.Catalogue(Me);
        if (!current.IsOk) return Failure(current, Page);
        if (!Request.HasFormContentType) CatalogueVersion = current.Value.Version;
        Catalogue = current.Value.Catalogue;
        return null;
    }
}
