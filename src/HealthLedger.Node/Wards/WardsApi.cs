using HealthLedger.Node.Records;
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
            .WithName("GetWards").WithSummary("The ward and bed list with each bed's occupancy and its version (admins); ETag is the version's entity tag (\"3\") for If-Match");
        group.MapPut("", Put)
            .WithName("PutWards").WithSummary("Replace the ward and bed list: {version, wards: [{name, beds: []}]} (admins); version is the one replaced (0 before the first list; or If-Match: \"<version>\"): none is 400 naming version, an older one 409 naming version and the current one, nothing written; occupied beds cannot be removed")
            .ProducesValidationProblem().ProducesProblem(409);
        return app;
    }

    private static Results<Ok<WardOccupancyView>, ValidationProblem, ProblemHttpResult> Get(HttpContext http, WardService wards) =>
        ApiResults.Ok(wards.Get(http.Session()), w => Tagged(http, w));

    private static async Task<Results<Ok<WardOccupancyView>, ValidationProblem, ProblemHttpResult>> Put(WardInput input, HttpContext http, WardService wards, CancellationToken ct) =>
        ApiResults.Ok(await wards.SaveAsync(http.Session(), input, http.Request.Headers.IfMatch.ToString(), ct), w => Tagged(http, w));

    private static WardOccupancyView Tagged(HttpContext http, WardOccupancyView view)
    {
        http.Response.Headers.ETag = EditedVersion.ETag(view.Version);
        return view;
    }
}
