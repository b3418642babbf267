using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Pharmacy;

/// <summary>/api/v1/pharmacy/* (formulary, stock, alerts, movements, worklist, dispensing) and /api/v1/patients/{id}/prescriptions.</summary>
public static class PharmacyApi
{
    /// <summary>Maps the pharmacy endpoints.</summary>
    public static IEndpointRouteBuilder MapPharmacyApi(this IEndpointRouteBuilder app)
    {
        var pharmacy = app.MapGroup("/api/v1/pharmacy").WithTags("Pharmacy").RequireSession();
        pharmacy.MapGet("/drugs", ListDrugs)
            .WithName("ListDrugs").WithSummary("The organisation's formulary with stock on hand, available and low-stock flags (staff)").ProducesProblem(403);
        pharmacy.MapGet("/drugs/{drugId}", GetDrug)
            .WithName("GetDrug").WithSummary("One drug with its batches (staff); ETag is the version's entity tag (\"3\") for If-Match").ProducesProblem(403).ProducesProblem(404);
        pharmacy.MapPost("/drugs", AddDrug)
            .WithName("AddDrug").WithSummary("Add a drug: name, strength, form, atcCode, unitPrice, reorderLevel (pharmacists, admins)")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(409);
        pharmacy.MapPut("/drugs/{drugId}", UpdateDrug)
            .WithName("UpdateDrug").WithSummary("Change a drug (pharmacists, admins): the fields as when added and the version changed (version in the body, or If-Match: \"<version>\"): none is 400 naming version, an older one 409 naming version and the current one, nothing written")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        pharmacy.MapPost("/drugs/{drugId}/receipts", Receive)
            .WithName("ReceiveStock").WithSummary("Stock in: quantity, expiresOn (yyyy-MM-dd), supplier, lotNumber, unitCost, reference (pharmacists, admins)")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404);
        pharmacy.MapGet("/alerts", Alerts)
            .WithName("PharmacyAlerts").WithSummary("Low-stock (available ≤ reorder level), near-expiry (within ?withinDays, default 60) and expired-stock alerts (pharmacists, admins)")
            .ProducesValidationProblem().ProducesProblem(403);
        pharmacy.MapGet("/movements", Movements)
            .WithName("StockMovements").WithSummary("Receipts and dispenses per batch between ?from and ?to (ISO 8601 instants), oldest first (pharmacists, admins)")
            .ProducesValidationProblem().ProducesProblem(403);
        pharmacy.MapGet("/worklist", Worklist)
            .WithName("PharmacyWorklist").WithSummary("Prescriptions with units to dispense, oldest first; ?all=true for every one (pharmacists)").ProducesProblem(403);
        pharmacy.MapGet("/prescriptions/{prescriptionId}", GetPrescription)
            .WithName("GetPrescriptionForDispensing").WithSummary("One prescription of the organisation's pharmacy (pharmacists)").ProducesProblem(403).ProducesProblem(404);
        pharmacy.MapPost("/prescriptions/{prescriptionId}/dispenses", Dispense)
            .WithName("Dispense").WithSummary("Dispense: quantity, optional batchId (default first expiry first out), notes; the charge goes to the patient's account (pharmacists)")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);

        var patient = app.MapGroup("/api/v1/patients/{id}/prescriptions").WithTags("Pharmacy").RequireSession();
        patient.MapGet("", MedicationList)
            .WithName("ListPrescriptions").WithSummary("A patient's medication list: prescriptions with what was dispensed (readers of the patient's medication)")
            .ProducesProblem(403).ProducesProblem(404);
        patient.MapPost("", Prescribe)
            .WithName("Prescribe").WithSummary("Prescribe: drugId, dose, route, frequency, durationDays, quantity, repeats, instructions, overrideReason (required after an allergy warning; doctors)")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        return app;
    }

    private static Results<Ok<List<DrugResponse>>, ProblemHttpResult> ListDrugs(HttpContext http, PharmacyService pharmacy) =>
        ApiResults.Read(pharmacy.Stock(http.Session()), list => list.Select(DrugResponse.From).ToList());

    private static Results<Ok<DrugResponse>, ProblemHttpResult> GetDrug(string drugId, HttpContext http, PharmacyService pharmacy) =>
        ApiResults.Read(pharmacy.Drug(http.Session(), drugId), d => Tagged(http, d));

    private static async Task<Results<Created<DrugResponse>, ValidationProblem, ProblemHttpResult>> AddDrug(DrugInput input, HttpContext http, PharmacyService pharmacy, CancellationToken ct) =>
        ApiResults.Created(await pharmacy.AddDrugAsync(http.Session(), input, ct), d => $"/api/v1/pharmacy/drugs/{d.Drug.Id}", DrugResponse.From);

    private static async Task<Results<Ok<DrugResponse>, ValidationProblem, ProblemHttpResult>> UpdateDrug(string drugId, DrugInput input, HttpContext http, PharmacyService pharmacy,
        CancellationToken ct) =>
        ApiResults.Ok(await pharmacy.UpdateDrugAsync(http.Session(), drugId, input, http.Request.Headers.IfMatch.ToString(), ct), d => Tagged(http, d));

    private static DrugResponse Tagged(HttpContext http, StockLevel drug)
    {
        http.Response.Headers.ETag = EditedVersion.ETag(drug.Drug.Version);
        return DrugResponse.From(drug);
    }

    private static async Task<Results<Created<BatchResponse>, ValidationProblem, ProblemHttpResult>> Receive(string drugId, ReceiptInput input, HttpContext http,
        PharmacyService pharmacy, CancellationToken ct) =>
        ApiResults.Created(await pharmacy.ReceiveAsync(http.Session(), drugId, input, ct), b => $"/api/v1/pharmacy/drugs/{drugId}", BatchResponse.From);

    private static Results<Ok<List<StockAlert>>, ValidationProblem, ProblemHttpResult> Alerts(HttpContext http, PharmacyService pharmacy, int? withinDays = null)
    {
        if (withinDays is < 0 or > 3650) return ApiResults.Invalid("withinDays", "withinDays must be 0 to 3650.");
        return ApiResults.Ok(pharmacy.Alerts(http.Session(), withinDays ?? PharmacyService.NearExpiryDays), list => list.ToList());
    }

    private static Results<Ok<List<StockMovementResponse>>, ValidationProblem, ProblemHttpResult> Movements(HttpContext http, PharmacyService pharmacy, string? from = null, string? to = null)
    {
        DateTimeOffset? start = null, end = null;
        if (!string.IsNullOrWhiteSpace(from))
        {
            if (!DateTimeOffset.TryParse(from, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var f)) return ApiResults.Invalid("from", "from must be an ISO 8601 date or instant.");
            start = f;
        }
        if (!string.IsNullOrWhiteSpace(to))
        {
            if (!DateTimeOffset.TryParse(to, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t)) return ApiResults.Invalid("to", "to must be an ISO 8601 date or instant.");
            end = t;
        }
        if (start > end) return ApiResults.Invalid("to", "to must not be before from.");
        return ApiResults.Ok(pharmacy.Movements(http.Session(), start, end), list => list.Select(StockMovementResponse.From).ToList());
    }

    private static Results<Ok<List<PrescriptionResponse>>, ProblemHttpResult> Worklist(HttpContext http, PharmacyService pharmacy, bool all = false) =>
        ApiResults.Read(pharmacy.Worklist(http.Session(), all), list => list.Select(PrescriptionResponse.From).ToList());

    private static Results<Ok<PrescriptionResponse>, ProblemHttpResult> GetPrescription(string prescriptionId, HttpContext http, PharmacyService pharmacy) =>
        ApiResults.Read(pharmacy.ForDispensing(http.Session(), prescriptionId), PrescriptionResponse.From);

    private static async Task<Results<Created<DispenseResponse>, ValidationProblem, ProblemHttpResult>> Dispense(string prescriptionId, DispenseInput input, HttpContext http,
        PharmacyService pharmacy, CancellationToken ct) =>
        ApiResults.Created(await pharmacy.DispenseAsync(http.Session(), prescriptionId, input, ct), d => $"/api/v1/pharmacy/prescriptions/{prescriptionId}", DispenseResponse.From);

    private static Results<Ok<List<PrescriptionResponse>>, ProblemHttpResult> MedicationList(string id, HttpContext http, PharmacyService pharmacy) =>
        ApiResults.Read(pharmacy.MedicationList(http.Session(), id), list => list.Select(PrescriptionResponse.From).ToList());

    private static async Task<Results<Created<PrescriptionResponse>, ValidationProblem, ProblemHttpResult>> Prescribe(string id, PrescriptionInput input, HttpContext http,
        PharmacyService pharmacy, CancellationToken ct) =>
        ApiResults.Created(await pharmacy.PrescribeAsync(http.Session(), id, input, ct), p => $"/api/v1/patients/{id}/prescriptions", PrescriptionResponse.From);
}
