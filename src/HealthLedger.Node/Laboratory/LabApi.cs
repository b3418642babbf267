using HealthLedger.Core.Records;
using HealthLedger.Node.Security;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using QRCoder;

namespace HealthLedger.Node.Laboratory;

/// <summary>/api/v1/lab: catalogue, orders, specimens, results, validation, worklist, turnaround (staff are registered at /api/v1/staff).</summary>
public static class LabApi
{
    /// <summary>Maps the laboratory endpoints.</summary>
    public static IEndpointRouteBuilder MapLabApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/lab").WithTags("Laboratory").RequireSession();
        group.MapGet("/catalogue", GetCatalogue).WithName("GetLabCatalogue").WithSummary("The organisation's test catalogue and its version (staff); ETag is the version's entity tag (\"3\") for If-Match");
        group.MapPut("/catalogue", PutCatalogue).WithName("PutLabCatalogue")
            .WithSummary("Replace the catalogue: {version, tests: [{code, loinc, name, specimenType, unit, referenceRanges: [{sex, minAgeYears, maxAgeYears, low, high, criticalLow, criticalHigh}], possibleLow, possibleHigh, price, turnaroundHours}], panels: [{code, loinc, name, tests, price, turnaroundHours}]} (admins); version is the one replaced (0 before the first catalogue; or If-Match: \"<version>\"): none is 400 naming version, an older one 409 naming version and the current one, nothing written")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(409);
        group.MapPost("/orders", Place).WithName("PlaceLabOrder")
            .WithSummary("Order tests: {patientId, tests: [codes], priority: routine|urgent, clinicalNote, laboratoryId?} (doctors who reach the patient's laboratory data)")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(422);
        group.MapGet("/orders/{id}", Get).WithName("GetLabOrder").WithSummary("One order with its results and, once validated, the flagged report").ProducesProblem(404);
        group.MapGet("/orders/{id}/pdf", Pdf).WithName("GetLabReportPdf").WithMetadata(new Web.WritesWhenReadAttribute())
            .WithSummary("The printable report of a validated order (whoever may read it): tests, values, units, reference ranges, H/L flags, specimen, times, technician and pathologist, verification code and QR code; its SHA-256 is recorded on the chain first, so the download checks at /api/v1/verify/file. 409 until validated (and while an amendment awaits validation)")
            .Produces(200, contentType: "application/pdf").ProducesProblem(404).ProducesProblem(409);
        group.MapPost("/orders/{id}/specimen", Collect).WithName("CollectLabSpecimen")
            .WithSummary("The specimen is collected: {specimenId?, notes} (laboratory staff, the ordering doctor)").ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        group.MapPost("/orders/{id}/specimen/receipt", Receive).WithName("ReceiveLabSpecimen")
            .WithSummary("The specimen is received at the laboratory: {specimenId (from the label), notes} (laboratory staff)").ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        group.MapGet("/orders/{id}/specimen/label", Label).WithName("LabSpecimenLabel")
            .WithSummary("The specimen label's QR code (PNG) holding the specimen id").Produces(200, contentType: "image/png").ProducesProblem(404).ProducesProblem(409);
        group.MapPost("/orders/{id}/results", Results).WithName("EnterLabResults")
            .WithSummary("Enter (or amend, with amendmentReason) results: {results: [{code, value, unit}], notes, amendmentReason} (laboratory staff)")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        group.MapPost("/orders/{id}/validate", Validate).WithName("ValidateLabResults")
            .WithSummary("Validate (sign off) the results: {notes} (a pathologist who did not enter them); the first validation posts the charge")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        group.MapGet("/worklist", Worklist).WithName("LabWorklist")
            .WithSummary("Orders: the laboratory's (its staff, admins), the doctor's own, the patient's own; ?status=ordered|collected|received|resulted|validated").ProducesValidationProblem().ProducesProblem(403);
        group.MapGet("/turnaround", Turnaround).WithName("LabTurnaround")
            .WithSummary("Turnaround per ordered code and priority: validated count, median and longest hours, target, within target; ?from&to (ISO 8601) on the first validation's block time").ProducesValidationProblem().ProducesProblem(403);
        app.MapGroup("/api/v1/patients/{id}/lab-orders").WithTags("Laboratory").RequireSession().MapGet("", ForPatient)
            .WithName("PatientLabOrders").WithSummary("A patient's lab orders (readers of the patient's laboratory data)").ProducesProblem(403).ProducesProblem(404);
        return app;
    }

    private static Results<Ok<LabCatalogueResponse>, ValidationProblem, ProblemHttpResult> GetCatalogue(HttpContext http, LabService lab) =>
        ApiResults.Ok(lab.Catalogue(http.Session()), c => Tagged(http, c));

    private static async Task<Results<Ok<LabCatalogueResponse>, ValidationProblem, ProblemHttpResult>> PutCatalogue(LabCatalogueInput input, HttpContext http, LabService lab, CancellationToken ct) =>
        ApiResults.Ok(await lab.SaveCatalogueAsync(http.Session(), input, http.Request.Headers.IfMatch.ToString(), ct), c => Tagged(http, c));

    private static LabCatalogueResponse Tagged(HttpContext http, (int Version, LabCatalogue Catalogue) catalogue)
    {
        http.Response.Headers.ETag = Records.EditedVersion.ETag(catalogue.Version);
        return LabCatalogueResponse.From(catalogue);
    }

    private static async Task<Results<Created<LabOrderResponse>, ValidationProblem, ProblemHttpResult>> Place(LabOrderInput input, HttpContext http, LabService lab, CancellationToken ct) =>
        ApiResults.Created(await lab.PlaceAsync(http.Session(), input, ct), o => $"/api/v1/lab/orders/{o.Id}", LabOrderResponse.From);

    private static Results<Ok<LabOrderResponse>, ProblemHttpResult> Get(string id, HttpContext http, LabService lab) =>
        ApiResults.Read(lab.Get(http.Session(), id), LabOrderResponse.From);

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Pdf(string id, HttpContext http, LabService lab, CancellationToken ct) =>
        MedicalReports.ReportsApi.PdfResult(await lab.PrintAsync(http.Session(), id, MedicalReports.ReportsApi.VerifyUrl(http), ct));

    private static async Task<Results<Ok<LabOrderResponse>, ValidationProblem, ProblemHttpResult>> Collect(string id, LabSpecimenInput input, HttpContext http, LabService lab, CancellationToken ct) =>
        ApiResults.Ok(await lab.CollectAsync(http.Session(), id, input, ct), LabOrderResponse.From);

    private static async Task<Results<Ok<LabOrderResponse>, ValidationProblem, ProblemHttpResult>> Receive(string id, LabSpecimenInput input, HttpContext http, LabService lab, CancellationToken ct) =>
        ApiResults.Ok(await lab.ReceiveAsync(http.Session(), id, input, ct), LabOrderResponse.From);

    private static async Task<Results<Ok<LabOrderResponse>, ValidationProblem, ProblemHttpResult>> Results(string id, LabResultsInput input, HttpContext http, LabService lab, CancellationToken ct) =>
        ApiResults.Ok(await lab.EnterResultsAsync(http.Session(), id, input, ct), LabOrderResponse.From);

    private static async Task<Results<Ok<LabOrderResponse>, ValidationProblem, ProblemHttpResult>> Validate(string id, LabValidationInput input, HttpContext http, LabService lab, CancellationToken ct) =>
        ApiResults.Ok(await lab.ValidateAsync(http.Session(), id, input, ct), LabOrderResponse.From);

    private static Results<FileContentHttpResult, ProblemHttpResult> Label(string id, HttpContext http, LabService lab)
    {
        var order = lab.Get(http.Session(), id);
        if (!order.IsOk) return ApiResults.Problem(order);
        if (order.Value!.SpecimenId.Length == 0) return TypedResults.Problem(statusCode: 409, title: "Conflict", detail: "The specimen has not been collected yet.");
        return TypedResults.File(LabelPng(order.Value.SpecimenId), "image/png", $"{order.Value.SpecimenId}.png");
    }

    /// <summary>A QR code (PNG, palette colours so PDFs can embed it) holding <paramref name="specimenId"/>: the specimen label's barcode.</summary>
    public static byte[] LabelPng(string specimenId)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(specimenId, QRCodeGenerator.ECCLevel.M);
        return new PngByteQRCode(data).GetGraphic(6, [0, 0, 0, 255], [255, 255, 255, 255]);
    }

    private static Results<Ok<List<LabOrderResponse>>, ValidationProblem, ProblemHttpResult> Worklist(string? status, HttpContext http, LabService lab)
    {
        LabOrderStatus? filter = null;
        if (!string.IsNullOrWhiteSpace(status))
        {
            if (!Enum.TryParse<LabOrderStatus>(status.Trim(), true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(status, out _))
            {
                return ApiResults.Invalid("status", "Status must be ordered, collected, received, resulted or validated.");
            }
            filter = parsed;
        }
        return ApiResults.Ok(lab.Worklist(http.Session(), filter), list => list.Select(LabOrderResponse.From).ToList());
    }

    private static Results<Ok<IReadOnlyList<TurnaroundRow>>, ValidationProblem, ProblemHttpResult> Turnaround(string? from, string? to, HttpContext http, LabService lab)
    {
        DateTimeOffset? start = null, end = null;
        if (!string.IsNullOrWhiteSpace(from))
        {
            if (!DateTimeOffset.TryParse(from, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var f)) return ApiResults.Invalid("from", "Use an ISO 8601 date or time.");
            start = f;
        }
        if (!string.IsNullOrWhiteSpace(to))
        {
            if (!DateTimeOffset.TryParse(to, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t)) return ApiResults.Invalid("to", "Use an ISO 8601 date or time.");
            end = t;
        }
        if (start > end) return ApiResults.Invalid("to", "to must not be before from.");
        return ApiResults.Ok(lab.Turnaround(http.Session(), start, end), rows => rows);
    }

    private static Results<Ok<List<LabOrderResponse>>, ProblemHttpResult> ForPatient(string id, HttpContext http, LabService lab) =>
        ApiResults.Read(lab.ForPatient(http.Session(), id), list => list.Select(LabOrderResponse.From).ToList());
}
