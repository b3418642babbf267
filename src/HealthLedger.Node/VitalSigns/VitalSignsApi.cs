using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.VitalSigns;

/// <summary>/api/v1/patients/{id}/vital-signs.</summary>
public static class VitalSignsApi
{
    /// <summary>Maps the vital-signs endpoints.</summary>
    public static IEndpointRouteBuilder MapVitalSignsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/patients/{id}/vital-signs").WithTags("Vital signs").RequireSession();
        group.MapGet("", List)
            .WithName("ListVitalSigns").WithSummary("A patient's vital signs, latest first (readers of the patient's encounters)").ProducesProblem(404);
        group.MapPost("", Record)
            .WithName("RecordVitalSigns").WithSummary("Record vital signs: takenAt and at least one of temperatureCelsius, heartRate, systolicMmHg+diastolicMmHg, respiratoryRate, oxygenSaturation, weightKg (admins, attending doctors)")
            .ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409);
        return app;
    }

    private static Results<Ok<List<VitalSignsResponse>>, ProblemHttpResult> List(string id, HttpContext http, VitalSignsService vitals) =>
        ApiResults.Read(vitals.ForPatient(http.Session(), id), list => list.Select(VitalSignsResponse.From).ToList());

    private static async Task<Results<Created<VitalSignsResponse>, ValidationProblem, ProblemHttpResult>> Record(string id, VitalSignsInput input, HttpContext http,
        VitalSignsService vitals, CancellationToken ct) =>
        ApiResults.Created(await vitals.RecordAsync(http.Session(), id, input, ct), v => $"/api/v1/patients/{id}/vital-signs", VitalSignsResponse.From);
}
