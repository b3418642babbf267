using System.Globalization;
using System.Text.Json;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Export;

/// <summary>
/// The export operations under <c>/fhir/R4</c> (mapped inside the bearer-session group): <c>Patient/{id}/$everything</c>
/// (FHIR R4 patient-operation-everything) and bulk <c>$export</c> / <c>Patient/$export</c> with their status and file URLs
/// (FHIR Bulk Data Access IG 2.0).
/// </summary>
public static class FhirExportApi
{
    private static readonly HashSet<string> FormParameters = new(StringComparer.Ordinal) { "_format", "_pretty" };

    /// <summary>Maps the operations on the FHIR group (the bearer filter applies).</summary>
    public static RouteGroupBuilder MapFhirExport(this RouteGroupBuilder group)
    {
        group.MapGet("/Patient/{id}/$everything", Everything);
        group.MapGet("/$export", (HttpContext http, FhirBulkExports exports, FhirResourceTypes types) => Kickoff(http, exports, types, systemLevel: true))
            .WithMetadata(new Web.WritesWhenReadAttribute()); // a HEAD must not start an export
        group.MapGet("/Patient/$export", (HttpContext http, FhirBulkExports exports, FhirResourceTypes types) => Kickoff(http, exports, types, systemLevel: false))
            .WithMetadata(new Web.WritesWhenReadAttribute()); // a HEAD must not start an export
        group.MapGet("/$export-status/{jobId}", Status);
        group.MapDelete("/$export-status/{jobId}", Cancel);
        group.MapGet("/$export-file/{jobId}/{name}", Download);
        return group;
    }

    /// <summary>
    /// The patient's record as a <c>searchset</c> Bundle (<see cref="FhirEverything.Gather"/>, recorded as a disclosure
    /// "FHIR $everything" when the reader is not the patient), or the refusal. Used by the operation and the UI download.
    /// </summary>
    public static Outcome<Bundle> EverythingBundle(UserSession actor, string patientId, string baseUrl, string selfUrl, FhirEverything everything,
        IReadOnlySet<string>? types = null, DateTimeOffset? since = null)
    {
        var gathered = everything.Gather(actor, patientId, types, since, "FHIR $everything");
        if (!gathered.IsOk) return gathered.As<Bundle>();
        var bundle = new Bundle
        {
            Id = Guid.NewGuid().ToString("N"),
            Meta = new Meta { LastUpdated = DateTimeOffset.UtcNow },
            Type = Bundle.BundleType.Searchset,
            Total = gathered.Value!.Count(r => r is not OperationOutcome),
            Link = [new Bundle.LinkComponent { Relation = "self", Url = selfUrl }],
        };
        foreach (var r in gathered.Value!)
        {
            bundle.Entry.Add(r is OperationOutcome
                ? new Bundle.EntryComponent { Resource = r, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Outcome } }
                : new Bundle.EntryComponent { FullUrl = $"{baseUrl}/{r.TypeName}/{r.Id}", Resource = r, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });
        }
        return Outcome<Bundle>.Ok(bundle);
    }

    private static IResult Everything(string id, HttpContext http, FhirEverything everything, FhirResourceTypes types)
    {
        var errors = new FieldErrors();
        foreach (var key in http.Request.Query.Keys.Where(k => k is not ("_type" or "_since") && !FormParameters.Contains(k)))
        {
            errors.Add(key, $"Parameter '{Clip(key)}' is not supported by $everything here; supported: _type, _since.");
        }
        var only = Types(http.Request.Query["_type"], types, errors);
        var since = Since(http.Request.Query["_since"], errors);
        if (!errors.IsEmpty) return FhirOutcomes.From(Outcome<object>.Invalid(errors));
        var baseUrl = FhirApi.BaseUrl(http.Request);
        var outcome = EverythingBundle(http.FhirSession(), id, baseUrl, baseUrl + http.Request.Path.Value![FhirApi.BasePath.Length..] + http.Request.QueryString, everything, only, since);
        return outcome.IsOk ? new FhirResult(outcome.Value!) : FhirOutcomes.From(outcome);
    }

    private static IResult Kickoff(HttpContext http, FhirBulkExports exports, FhirResourceTypes types, bool systemLevel)
    {
        var session = http.FhirSession();
        if (session.Role != Core.Model.Role.Admin)
        {
            return FhirOutcomes.Result(403, OperationOutcome.IssueType.Forbidden, "Only admins export their organisation's patients in bulk.");
        }
        var errors = new FieldErrors();
        if (!http.Request.Headers["Prefer"].Any(p => p?.Contains("respond-async", StringComparison.OrdinalIgnoreCase) == true))
        {
            errors.Add("Prefer", "Bulk export is asynchronous: send the header 'Prefer: respond-async'.");
        }
        var query = http.Request.Query;
        foreach (var key in query.Keys.Where(k => k is not ("_type" or "_since" or "_outputFormat") && !FormParameters.Contains(k)))
        {
            errors.Add(key, $"Parameter '{Clip(key)}' is not supported by $export here; supported: _type, _since, _outputFormat.");
        }
        if (query["_outputFormat"].ToString() is { Length: > 0 } format && format is not ("application/fhir+ndjson" or "application/ndjson" or "ndjson"))
        {
            errors.Add("_outputFormat", "_outputFormat must be application/fhir+ndjson (or application/ndjson, ndjson).");
        }
        var only = Types(query["_type"], types, errors);
        var since = Since(query["_since"], errors);
        if (!errors.IsEmpty) return FhirOutcomes.From(Outcome<object>.Invalid(errors));
        var request = $"{FhirApi.BaseUrl(http.Request)}{http.Request.Path.Value![FhirApi.BasePath.Length..]}{http.Request.QueryString}";
        var started = exports.Start(session, new BulkExportRequest(request, systemLevel, only, since));
        if (!started.IsOk) return FhirOutcomes.From(started);
        http.Response.Headers.ContentLocation = $"{FhirApi.BaseUrl(http.Request)}/$export-status/{started.Value!.Id}";
        return new FhirResult(new OperationOutcome
        {
            Issue = [FhirOutcomes.Issue(OperationOutcome.IssueSeverity.Information, OperationOutcome.IssueType.Informational, "The export has started: poll the Content-Location URL.")],
        }, StatusCodes.Status202Accepted);
    }

    private static IResult Status(string jobId, HttpContext http, FhirBulkExports exports)
    {
        if (exports.Find(http.FhirSession(), jobId) is not { } job) return NoSuchJob();
        switch (job.State)
        {
            case BulkExportState.Running:
                http.Response.Headers["X-Progress"] = job.Progress;
                http.Response.Headers.RetryAfter = "1";
                return Results.StatusCode(StatusCodes.Status202Accepted);
            case BulkExportState.Failed:
                // A job stopped because a read could not be recorded: the client may start it again after a while.
                if (job.Failure!.Value.Status == StatusCodes.Status503ServiceUnavailable) http.Response.Headers.RetryAfter = DisclosureDurability.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                return new FhirResult(job.Failure.Value.Outcome, job.Failure.Value.Status);
            default:
                var baseUrl = FhirApi.BaseUrl(http.Request);
                string Url(BulkExportFile f) => $"{baseUrl}/$export-file/{job.Id}/{f.Name}";
                var manifest = new Dictionary<string, object>
                {
                    ["transactionTime"] = job.TransactionTime.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
                    ["request"] = job.Request.RequestUrl,
                    ["requiresAccessToken"] = true,
                    ["output"] = job.Output.Select(f => new Dictionary<string, object> { ["type"] = f.Type, ["url"] = Url(f), ["count"] = f.Count }).ToList(),
                    ["error"] = job.Errors.Select(f => new Dictionary<string, object> { ["type"] = f.Type, ["url"] = Url(f), ["count"] = f.Count }).ToList(),
                };
                if (job.FinishedAt is { } at) http.Response.Headers.Expires = (at + FhirBulkExports.Expiry).ToString("R", CultureInfo.InvariantCulture);
                return Results.Text(JsonSerializer.Serialize(manifest), "application/json", System.Text.Encoding.UTF8, StatusCodes.Status200OK);
        }
    }

    private static IResult Cancel(string jobId, HttpContext http, FhirBulkExports exports) =>
        exports.Cancel(http.FhirSession(), jobId)
            ? new FhirResult(new OperationOutcome { Issue = [FhirOutcomes.Issue(OperationOutcome.IssueSeverity.Information, OperationOutcome.IssueType.Informational, "The export was cancelled and its files deleted.")] }, StatusCodes.Status202Accepted)
            : NoSuchJob();

    private static IResult Download(string jobId, string name, HttpContext http, FhirBulkExports exports)
    {
        if (exports.Find(http.FhirSession(), jobId) is not { State: BulkExportState.Completed } job || job.File(name) is not { } file)
        {
            return FhirOutcomes.NotFound("No such export file: it may have expired, been cancelled, or belong to someone else.");
        }
        return Results.Bytes(file.Data, FhirFormats.NdjsonContentType);
    }

    private static FhirResult NoSuchJob() =>
        FhirOutcomes.NotFound("No such export: it may have expired (an hour after it finished), been cancelled, or belong to someone else.");

    private static HashSet<string>? Types(Microsoft.Extensions.Primitives.StringValues values, FhirResourceTypes types, FieldErrors errors)
    {
        if (values.Count == 0) return null;
        var names = values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal);
        foreach (var name in names.Where(n => types.Find(n) is null))
        {
            errors.Add("_type", $"_type '{Clip(name)}' is not a type this server serves; GET {FhirApi.BasePath}/metadata lists them.");
        }
        if (names.Count == 0) errors.Add("_type", "_type needs at least one resource type.");
        return names;
    }

    private static DateTimeOffset? Since(Microsoft.Extensions.Primitives.StringValues values, FieldErrors errors)
    {
        var text = values.ToString();
        if (text.Length == 0) return null;
        if (text.Length >= 20 && text.Contains('T', StringComparison.Ordinal)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var at)) return at;
        errors.Add("_since", "_since must be a FHIR instant with a time zone, e.g. 2026-01-31T08:00:00Z.");
        return null;
    }

    private static string Clip(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
