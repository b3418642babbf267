using HealthLedger.Core.Records;
using HealthLedger.Node.Hospital;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Api;

/// <summary>/api/v1/patients: registration, lists, records, entries and accounts.</summary>
public static class PatientsApi
{
    public static IEndpointRouteBuilder MapPatientsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/patients").WithTags("Patients").RequireSession();

        group.MapPost("/", async (PatientInput input, HttpContext http, HospitalService hospital, CancellationToken ct) =>
            ApiResults.From(await hospital.RegisterPatientAsync(http.Session(), input, ct),
                r => Results.Created($"/api/v1/patients/{r.Id}", new WriteResponse(r.Id, r.TransactionId, r.Height, r.OneTimePassword))))
            .WithName("RegisterPatient").WithSummary("Register a patient (admins); returns the patient id and a one-time password shown once")
            .Produces<WriteResponse>(201).ProducesValidationProblem().ProducesProblem(409);

        group.MapGet("/", (HttpContext http, HospitalService hospital, TimeProvider clock, string? search, string? condition, string? sort, bool? desc, int? page, int? pageSize) =>
            ApiResults.From(hospital.ListPatients(http.Session(), new PatientQuery(search, condition, sort, desc ?? false, page ?? 1, pageSize ?? 20)),
                p => Results.Ok(new PageResponse<PatientResponse>(p.Items.Select(i => PatientResponse.From(i, Today(clock))).ToList(), p.Total, p.PageNumber, p.PageSize, p.PageCount))))
            .WithName("ListPatients").WithSummary("Patients the caller may see: search (name, MRN), condition filter, sort (name, age, mrn, registered), paging")
            .Produces<PageResponse<PatientResponse>>();

        group.MapGet("/{id}", (string id, HttpContext http, HospitalService hospital, TimeProvider clock) =>
            ApiResults.From(hospital.GetPatient(http.Session(), id), p => Results.Ok(PatientResponse.From(p, Today(clock)))))
            .WithName("GetPatient").WithSummary("One patient's demographics with their ledger proof").Produces<PatientResponse>().ProducesProblem(404);

        group.MapPost("/{id}/password-reset", (string id, HttpContext http, HospitalService hospital) =>
            ApiResults.From(hospital.ResetPassword(http.Session(), id), r => Results.Ok(new WriteResponse(r.Id, r.TransactionId, r.Height, r.OneTimePassword))))
            .WithName("ResetPatientPassword").WithSummary("Give a patient a new one-time password (admins)").Produces<WriteResponse>().ProducesProblem(404);

        group.MapGet("/{id}/entries", (string id, HttpContext http, HospitalService hospital) =>
            ApiResults.From(hospital.Entries(http.Session(), id), e => Results.Ok(e.Select(EntryResponse.From).ToList())))
            .WithName("ListEntries").WithSummary("A patient's encounters and account lines, corrections included").Produces<List<EntryResponse>>().ProducesProblem(404);

        group.MapPost("/{id}/entries", async (string id, EntryInput input, HttpContext http, HospitalService hospital, CancellationToken ct) =>
            await AddEntry(id, input, null, http, hospital, ct))
            .WithName("AddEntry").WithSummary("Add an admission, visit, transfer or discharge (or a correction of one)")
            .Produces<EntryResponse>(201).ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409);

        group.MapGet("/{id}/account", (string id, HttpContext http, HospitalService hospital) =>
            ApiResults.From(hospital.Account(http.Session(), id), a => Results.Ok(AccountResponse.From(a))))
            .WithName("GetAccount").WithSummary("A patient's hospital account: charges, payments, running balance").Produces<AccountResponse>().ProducesProblem(404);

        group.MapPost("/{id}/account/charges", async (string id, EntryInput input, HttpContext http, HospitalService hospital, CancellationToken ct) =>
            await AddEntry(id, input, EntryType.Charge, http, hospital, ct))
            .WithName("AddCharge").WithSummary("Add a charge (service, date, quantity, unit price) (admins)")
            .Produces<EntryResponse>(201).ProducesValidationProblem().ProducesProblem(404);

        group.MapPost("/{id}/account/payments", async (string id, EntryInput input, HttpContext http, HospitalService hospital, CancellationToken ct) =>
            await AddEntry(id, input, EntryType.Payment, http, hospital, ct))
            .WithName("AddPayment").WithSummary("Add a payment (date, amount, method) (admins)")
            .Produces<EntryResponse>(201).ProducesValidationProblem().ProducesProblem(404);

        group.MapGet("/{id}/report", (string id, HttpContext http, HospitalService hospital, TimeProvider clock) =>
        {
            var session = http.Session();
            var patient = hospital.GetPatient(session, id);
            if (!patient.IsOk) return ApiResults.From(patient, _ => Results.Ok());
            var entries = hospital.Entries(session, id).Value!;
            return Results.Ok(new PatientReportResponse(PatientResponse.From(patient.Value!, Today(clock)),
                entries.Where(e => e.Type is not (EntryType.Charge or EntryType.Payment)).Select(EntryResponse.From).ToList(),
                AccountResponse.From(HospitalService.BuildAccount(id, entries))));
        })
        .WithName("GetPatientReport").WithSummary("The patient's complete record: demographics, encounters and account").Produces<PatientReportResponse>().ProducesProblem(404);
        return app;
    }

    private static async Task<IResult> AddEntry(string id, EntryInput input, EntryType? type, HttpContext http, HospitalService hospital, CancellationToken ct)
    {
        if (type is { } t) input.Type = t.ToString();
        else if (input.Type is not null && (input.Type.Equals("charge", StringComparison.OrdinalIgnoreCase) || input.Type.Equals("payment", StringComparison.OrdinalIgnoreCase)))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["type"] = ["Use the account endpoints for charges and payments."] });
        }
        var outcome = await hospital.AddEntryAsync(http.Session(), id, input, ct);
        return ApiResults.From(outcome, r => hospital.Entries(http.Session(), id).Value!.FirstOrDefault(e => e.Id == r.Id) is { } entry
            ? Results.Created($"/api/v1/patients/{id}/entries", EntryResponse.From(entry))
            : Results.Created($"/api/v1/patients/{id}/entries", new WriteResponse(r.Id, r.TransactionId, r.Height, null)));
    }

    internal static DateOnly Today(TimeProvider clock) => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
}
