using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Wards;

/// <summary>/api/v1/wards: the organisation's ward and bed list (admins).</summary>
public static class WardsApi
{
    /// <summary>Maps the ward endpoints.</summary>
    public static IEndpointRouteBuilder MapWardsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/wards").WithTags("Wards").RequireSession();
        group.MapGet("", Get)
            .WithName("GetWards").WithSummary("The ward and bed list with each bed's occupancy (admins)");
        group.MapPut("", Put)
            .WithName("PutWards").WithSummary("Replace the ward and bed list: {version?, wards: [{name, beds: []}]} (admins); occupied beds cannot be removed")
            .ProducesValidationProblem().ProducesProblem(409);
        return app;
    }

    private static Results<Ok<WardOccupancyView>, ValidationProblem, ProblemHttpResult> Get(HttpContext http, WardService wards) =>
        ApiResults.Ok(wards.Get(http.Session()), w => w);

    private static async Task<Results<Ok<WardOccupancyView>, ValidationProblem, ProblemHttpResult>> Put(WardInput input, HttpContext http, WardService wards, CancellationToken ct) =>
        ApiResults.Ok(await wards.SaveAsync(http.Session(), input, ct), w => w);
}
