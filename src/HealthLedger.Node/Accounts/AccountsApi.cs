using HealthLedger.Node.Encounters;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Accounts;

/// <summary>Hospital accounts: /api/v1/patients/{id}/account (a patient's, with charges and payments) and /api/v1/accounts (every patient's totals, admins).</summary>
public static class AccountsApi
{
    /// <summary>Maps the account endpoints.</summary>
    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        var patient = app.MapGroup("/api/v1/patients/{id}/account").WithTags("Patients").RequireSession();
        patient.MapGet("", Get)
            .WithName("GetAccount").WithSummary("A patient's hospital account: charges, payments, running balance").ProducesProblem(404);
        patient.MapPost("/charges", AddCharge)
            .WithName("AddCharge").WithSummary("Add a charge (service, date, quantity, unit price) (admins)")
            .ProducesValidationProblem().ProducesProblem(404);
        patient.MapPost("/payments", AddPayment)
            .WithName("AddPayment").WithSummary("Add a payment (date, amount, method) (admins)")
            .ProducesValidationProblem().ProducesProblem(404);

        var all = app.MapGroup("/api/v1/accounts").WithTags("Lists").RequireSession();
        all.MapGet("", List)
            .WithName("ListAccounts").WithSummary("Every patient's account totals: search, outstanding only, sort by balance, charges, payments or name, paging (page from 1, pageSize 1–200) (admins); 400 naming a value it does not understand")
            .ProducesValidationProblem();
        return app;
    }

    private static Results<Ok<AccountResponse>, ProblemHttpResult> Get(string id, HttpContext http, HospitalAccountService accounts) =>
        ApiResults.Read(accounts.Account(http.Session(), id), AccountResponse.From);

    private static async Task<Results<Created<EntryResponse>, ValidationProblem, ProblemHttpResult>> AddCharge(string id, EntryInput input, HttpContext http, HospitalAccountService accounts, CancellationToken ct) =>
        ApiResults.Created(await accounts.AddChargeAsync(http.Session(), id, input, ct), _ => $"/api/v1/patients/{id}/entries", EntryResponse.From);

    private static async Task<Results<Created<EntryResponse>, ValidationProblem, ProblemHttpResult>> AddPayment(string id, EntryInput input, HttpContext http, HospitalAccountService accounts, CancellationToken ct) =>
        ApiResults.Created(await accounts.AddPaymentAsync(http.Session(), id, input, ct), _ => $"/api/v1/patients/{id}/entries", EntryResponse.From);

    private static Results<Ok<PageResponse<AccountSummaryResponse>>, ValidationProblem, ProblemHttpResult> List(HttpContext http, HospitalAccountService accounts,
        string? search, bool? outstanding, string? sort, bool? desc, int? page, int? pageSize) =>
        QueryValues.CheckChoice(QueryValues.CheckPaging(new FieldErrors(), page, pageSize), "sort", sort, AccountQuery.SortKeys) is { IsEmpty: false } errors
            ? TypedResults.ValidationProblem(errors.ToDictionary())
            : ApiResults.Ok(accounts.List(http.Session(), new AccountQuery(search, outstanding ?? false, sort, desc ?? true, page ?? 1, pageSize ?? 50)),
            p => PageResponse<AccountSummaryResponse>.From(p, AccountSummaryResponse.From));
}
