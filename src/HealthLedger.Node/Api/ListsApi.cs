using HealthLedger.Node.Hospital;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Api;

/// <summary>Organisation-wide lists for admins: /api/v1/entries and /api/v1/accounts.</summary>
public static class ListsApi
{
    public sealed record AccountSummaryResponse(string PatientId, string Mrn, string FullName, decimal Charges, decimal Payments, decimal Balance, int Lines);

    public static IEndpointRouteBuilder MapListsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("Lists").RequireSession();
        group.MapGet("/entries", (HttpContext http, HospitalService hospital, string? type, string? doctorId, DateOnly? from, DateOnly? to, string? patientId, int? page, int? pageSize) =>
            ApiResults.From(hospital.ListEntries(http.Session(), new EntryQuery(type, doctorId, from, to, patientId, page ?? 1, pageSize ?? 50)),
                p => Results.Ok(new PageResponse<EntryResponse>(p.Items.Select(EntryResponse.From).ToList(), p.Total, p.PageNumber, p.PageSize, p.PageCount))))
            .WithName("ListAllEntries").WithSummary("The organisation's entries, newest first: filter by type, doctor, patient, date range (admins)")
            .Produces<PageResponse<EntryResponse>>().ProducesValidationProblem();
        group.MapGet("/accounts", (HttpContext http, HospitalService hospital, string? search, bool? outstanding, string? sort, bool? desc, int? page, int? pageSize) =>
            ApiResults.From(hospital.ListAccounts(http.Session(), new AccountQuery(search, outstanding ?? false, sort, desc ?? true, page ?? 1, pageSize ?? 50)),
                p => Results.Ok(new PageResponse<AccountSummaryResponse>(p.Items.Select(a => new AccountSummaryResponse(a.Patient.Id, a.Patient.Details.Mrn,
                    a.Patient.Details.FullName, a.Charges, a.Payments, a.Balance, a.Lines)).ToList(), p.Total, p.PageNumber, p.PageSize, p.PageCount))))
            .WithName("ListAccounts").WithSummary("Every patient's account totals: search, outstanding only, sort by balance, charges, payments or name (admins)")
            .Produces<PageResponse<AccountSummaryResponse>>();
        return app;
    }
}
