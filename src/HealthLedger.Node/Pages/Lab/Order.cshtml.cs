using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Node.Laboratory;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Lab;

/// <summary>One lab order: its steps, the specimen label, the next step's form for whoever may take it, and the flagged report.</summary>
public sealed class OrderModel(LabService lab, LabCatalogueStore catalogues) : HospitalPage
{
    public LabOrderView Order { get; private set; } = null!;

    /// <summary>The tests results are entered for (the ordered codes expanded), with their units.</summary>
    public IReadOnlyList<LabTest> Expected { get; private set; } = [];

    [BindProperty]
    public LabSpecimenInput Specimen { get; set; } = new();

    [BindProperty]
    public LabResultsInput Results { get; set; } = new();

    [BindProperty]
    public LabValidationInput Validation { get; set; } = new();

    public bool IsStaff => LabService.IsLabStaff(Me.Role) && Me.OrganisationId == Order.LabOrganisationId;

    public bool CanCollect => Order.Status == LabOrderStatus.Ordered && (IsStaff || Me.UserId == Order.DoctorId);

    public bool CanReceive => Order.Status == LabOrderStatus.Collected && IsStaff;

    public bool CanEnterResults => IsStaff && Order.Status is LabOrderStatus.Received or LabOrderStatus.Resulted or LabOrderStatus.Validated;

    public bool CanValidate => Order.Status == LabOrderStatus.Resulted && Me.Role == Role.Pathologist && IsStaff && Order.CurrentResults?.AuthorId != Me.UserId;

    public IActionResult OnGet(string id) => Load(id) ?? Page();

    public IActionResult OnGetLabel(string id)
    {
        if (Load(id) is { } failed) return failed;
        return Order.SpecimenId.Length == 0 ? NotFound() : File(LabApi.LabelPng(Order.SpecimenId), "image/png");
    }

    /// <summary>The printable report (PDF) of the validated order, recorded on the chain before it is sent; problems are shown on the page.</summary>
    public async Task<IActionResult> OnGetPdfAsync(string id, CancellationToken ct)
    {
        // Razor Pages run OnGet for a HEAD: the print would be recorded for nobody (Web.WritesWhenReadAttribute).
        if (Microsoft.AspNetCore.Http.HttpMethods.IsHead(Request.Method))
        {
            await Web.HeadRequests.RefuseHead(HttpContext);
            return new EmptyResult();
        }
        // The print is the recorded read; the page is loaded only to show a refusal on it.
        var printed = await lab.PrintAsync(Me, id, MedicalReports.ReportsApi.VerifyUrl(HttpContext), ct);
        if (printed.IsOk) return File(printed.Value!.Pdf, "application/pdf", printed.Value.FileName);
        return Load(id, record: false) ?? Failure(printed, Page);
    }

    public Task<IActionResult> OnPostCollectAsync(string id, CancellationToken ct) => Step(id, "Specimen collected", () => lab.CollectAsync(Me, id, Specimen, ct));

    public Task<IActionResult> OnPostReceiveAsync(string id, CancellationToken ct) => Step(id, "Specimen received", () => lab.ReceiveAsync(Me, id, Specimen, ct));

    public Task<IActionResult> OnPostResultsAsync(string id, CancellationToken ct) => Step(id, "Results saved", () => lab.EnterResultsAsync(Me, id, Results, ct));

    public Task<IActionResult> OnPostValidateAsync(string id, CancellationToken ct) => Step(id, "Results validated", () => lab.ValidateAsync(Me, id, Validation, ct));

    private async Task<IActionResult> Step(string id, string done, Func<Task<Records.Outcome<LabOrderView>>> act)
    {
        if (Load(id, record: false) is { } failed) return failed;
        var outcome = await act();
        if (!outcome.IsOk)
        {
            ModelState.Clear();
            return Failure(outcome, Page);
        }
        TempData["Flash"] = $"{done}.";
        return Redirect($"/lab/orders/{id}");
    }

    private IActionResult? Load(string id, bool record = true)
    {
        var found = lab.Get(Me, id);
        if (!found.IsOk) return Failure(found, Page);
        Order = found.Value!;
        var (_, catalogue) = catalogues.Get(Order.LabOrganisationId);
        Expected = Order.Order.Tests.SelectMany(catalogue.Expand).DistinctBy(t => t.Code).ToList();
        if (Results.Results is null or { Count: 0 })
        {
            var current = Order.CurrentResults?.Content.Results ?? [];
            Results.Results = Expected.Select(t => new LabResultValue { Code = t.Code, Unit = t.Unit, Value = current.FirstOrDefault(v => v.Code == t.Code)?.Value }).ToList();
        }
        return null;
    }
}
