using HealthLedger.Core.Records;
using HealthLedger.Node.Accounts;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.PatientSummary;

/// <summary>
/// The patient's complete record as the reader may see it: demographics (null fields when not shared), encounters and
/// account (null when not shared); <c>patient.shared</c> lists the categories the reader may see, <c>notShared</c> the others.
/// </summary>
public sealed record PatientReportResponse(PatientResponse Patient, IReadOnlyList<EntryResponse>? Encounters, AccountResponse? Account, IReadOnlyList<string> NotShared);

/// <summary>GET /api/v1/patients/{id}/report.</summary>
public static class PatientRecordApi
{
    /// <summary>Maps the complete-record endpoint.</summary>
    public static IEndpointRouteBuilder MapPatientRecordApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/patients").WithTags("Patients").RequireSession();
        group.MapGet("/{id}/report", Get)
            .WithName("GetPatientReport").WithSummary("The patient's complete record: demographics, encounters and account").ProducesProblem(404);
        group.MapGet("/{id}/record.pdf", Pdf).WithMetadata(new Web.WritesWhenReadAttribute())
            .WithName("GetPatientRecordPdf").WithSummary("The printable whole record (admins, doctors with access, the patient): demographics, encounters, account, validated lab results, medication, medical reports as the caller may see them at the current block, each item with its ledger proof, one verification code; its SHA-256 is recorded on the chain, so the file checks at /api/v1/verify/file, /verify and healthledger verify-file")
            .Produces(200, contentType: "application/pdf").ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        return app;
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Pdf(string id, HttpContext http, PatientRecordPrintouts printouts, CancellationToken ct) =>
        MedicalReports.ReportsApi.PdfResult(await printouts.PrintAsync(http.Session(), id, MedicalReports.ReportsApi.VerifyUrl(http), ct));

    private static Results<Ok<PatientReportResponse>, ProblemHttpResult> Get(string id, HttpContext http, PatientRecordService records, HospitalTime time) =>
        ApiResults.Read(records.Get(http.Session(), id), r => new PatientReportResponse(PatientResponse.From(r.Patient, time.Today),
            r.Encounters?.Select(EntryResponse.From).ToList(), r.Account is null ? null : AccountResponse.From(r.Account),
            ConsentCategoryNames.Of(ConsentCategories.All & ~r.Patient.Shared)));
}
