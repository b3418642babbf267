using System.Globalization;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Fhir.Export;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir;

/// <summary>
/// <c>/fhir/R4</c>: the HL7 FHIR R4 RESTful interface (http.html) over the node's services. <c>metadata</c> is public; every
/// other interaction needs <c>Authorization: Bearer &lt;accessToken&gt;</c> from <c>POST /api/v1/auth/token</c> (the same login
/// and session as the JSON API). JSON by default, XML by <c>_format</c> or <c>Accept</c>; every error is an OperationOutcome.
/// </summary>
public static class FhirApi
{
    /// <summary>The interface's path.</summary>
    public const string BasePath = "/fhir/R4";

    /// <summary>Maps the FHIR endpoints.</summary>
    public static IEndpointRouteBuilder MapFhirApi(this IEndpointRouteBuilder app)
    {
        var root = app.MapGroup(BasePath).WithTags("FHIR R4").ExcludeFromDescription();
        root.MapGet("/metadata", (HttpContext http, FhirCapabilities capabilities) => new FhirResult(capabilities.Statement(BaseUrl(http.Request))));
        var group = root.MapGroup("").AddEndpointFilter(RequireBearerSession);
        group.MapGet("/{type}/{id}", Read);
        group.MapGet("/{type}", Search);
        group.MapPost("/{type}/_search", SearchByPost);
        group.MapPost("/{type}", Create);
        group.MapPut("/{type}/{id}", Update);
        group.MapFhirExport();
        group.MapPost("", Writes.FhirTransactions.PostAsync);
        // Anything else under /fhir/R4 is answered in FHIR's terms, not with the site's 404 page.
        root.Map("/{**rest}", (string? rest) => FhirOutcomes.Result(404, OperationOutcome.IssueType.NotSupported,
            $"'{BasePath}/{Clip(rest ?? "")}' is not an interaction this server supports; GET {BasePath}/metadata lists them."));
        return app;
    }

    /// <summary>The interface's absolute base URL as the caller reached it, e.g. <c>https://node.example:8443/fhir/R4</c>.</summary>
    public static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}{BasePath}";

    /// <summary>The caller's session (after the bearer filter).</summary>
    public static UserSession FhirSession(this HttpContext http) => http.UserSession() ?? throw new InvalidOperationException("No session.");

    private static async ValueTask<object?> RequireBearerSession(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var auth = await http.AuthenticateAsync(SessionAuthenticationHandler.SchemeName);
        if (!auth.Succeeded)
        {
            return FhirOutcomes.Unauthenticated(auth.Failure is null
                ? "Send 'Authorization: Bearer <accessToken>' with a token from POST /api/v1/auth/token."
                : "The access token is unknown or expired: request a new one from POST /api/v1/auth/token.");
        }
        http.User = auth.Principal;
        var session = http.UserSession();
        if (session is null) return FhirOutcomes.Unauthenticated("The session has ended; request a new token.");
        if (session.MustChangePassword)
        {
            return FhirOutcomes.Result(403, OperationOutcome.IssueType.Security, "Replace your one-time password with POST /api/v1/auth/password before using the FHIR interface.");
        }
        if (FhirFormats.Negotiate(http.Request) is null)
        {
            return FhirOutcomes.Result(406, OperationOutcome.IssueType.NotSupported, "_format must be json or xml (or a FHIR media type).");
        }
        return await next(context);
    }

    private static IResult Read(string type, string id, HttpContext http, FhirResourceTypes types)
    {
        if (types.Find(type) is not { } resourceType) return UnknownType(type);
        var outcome = resourceType.Read(http.FhirSession(), id);
        return outcome.IsOk ? new FhirResult(outcome.Value!) : FhirOutcomes.From(outcome, RetryAfter(http));
    }

    private static IResult Search(string type, HttpContext http, FhirResourceTypes types) => SearchWith(type, http.Request.Query, http, types);

    private static async Task<IResult> SearchByPost(string type, HttpContext http, FhirResourceTypes types)
    {
        if (!http.Request.HasFormContentType) return FhirOutcomes.BadRequest("POST _search takes application/x-www-form-urlencoded parameters.");
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var merged = new Dictionary<string, Microsoft.Extensions.Primitives.StringValues>(StringComparer.Ordinal);
        foreach (var (k, v) in http.Request.Query) merged[k] = v;
        foreach (var (k, v) in form) merged[k] = merged.TryGetValue(k, out var q) ? Microsoft.Extensions.Primitives.StringValues.Concat(q, v) : v;
        return SearchWith(type, new QueryCollection(merged), http, types);
    }

    private static IResult SearchWith(string type, IQueryCollection query, HttpContext http, FhirResourceTypes types)
    {
        if (types.Find(type) is not { } resourceType) return UnknownType(type);
        var (search, errors) = FhirSearch.Parse(query, resourceType);
        if (search is null) return FhirOutcomes.From(Outcome<object>.Invalid(errors));
        var session = http.FhirSession();
        Outcome<FhirMatches> outcome;
        if (search.First("_id") is { } id && search.Values.Count == 1)
        {
            // _id alone: a read that answers as a search (no match when unknown or not shared).
            var read = resourceType.Read(session, id);
            outcome = read.IsOk ? Outcome<FhirMatches>.Ok(new FhirMatches([read.Value!], 1))
                : read.Kind is OutcomeKind.NotFound or OutcomeKind.Forbidden ? Outcome<FhirMatches>.Ok(new FhirMatches([], 0)) : read.As<FhirMatches>();
        }
        else
        {
            outcome = resourceType.Search(session, search);
        }
        if (!outcome.IsOk) return FhirOutcomes.From(outcome, RetryAfter(http));
        return new FhirResult(SearchSet(http.Request, resourceType, search, outcome.Value!, types, session));
    }

    private static Bundle SearchSet(HttpRequest request, IFhirResourceType type, FhirSearch search, FhirMatches matches, FhirResourceTypes types, UserSession session)
    {
        var baseUrl = BaseUrl(request);
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset, Total = matches.Total, Id = Guid.NewGuid().ToString("N"), Meta = new Meta { LastUpdated = DateTimeOffset.UtcNow } };
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = PageUrl(baseUrl, type.TypeName, request.Query, search.Offset, search.Count) });
        if (search.Offset + search.Count < matches.Total)
        {
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "next", Url = PageUrl(baseUrl, type.TypeName, request.Query, search.Offset + search.Count, search.Count) });
        }
        if (search.Offset > 0)
        {
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "previous", Url = PageUrl(baseUrl, type.TypeName, request.Query, Math.Max(0, search.Offset - search.Count), search.Count) });
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var resource in matches.Page)
        {
            seen.Add($"{resource.TypeName}/{resource.Id}");
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"{baseUrl}/{resource.TypeName}/{resource.Id}", Resource = resource, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });
        }
        foreach (var includeValue in search.Includes)
        {
            var include = type.Includes.First(i => i.Value == includeValue);
            foreach (var resource in matches.Page)
            {
                foreach (var reference in include.References(resource))
                {
                    if (reference?.Reference is not { } r || r.Split('/') is not [var targetType, var targetId]) continue;
                    if (!seen.Add(r) || types.Find(targetType) is not { } target) continue;
                    // Included resources obey the target's access rules: what the reader may not see is left out.
                    if (target.Read(session, targetId) is { IsOk: true, Value: { } included })
                    {
                        bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"{baseUrl}/{targetType}/{targetId}", Resource = included, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Include } });
                    }
                }
            }
        }
        return bundle;
    }

    private static string PageUrl(string baseUrl, string type, IQueryCollection query, int offset, int count)
    {
        var parts = query.Where(q => q.Key is not ("_offset" or "_count"))
            .SelectMany(q => q.Value.Select(v => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(v ?? "")}"))
            .Append($"_count={count.ToString(CultureInfo.InvariantCulture)}")
            .Append($"_offset={offset.ToString(CultureInfo.InvariantCulture)}");
        return $"{baseUrl}/{type}?{string.Join("&", parts)}";
    }

    private static async Task<IResult> Create(string type, HttpContext http, FhirResourceTypes types)
    {
        if (types.Find(type) is null && types.Writer(type) is null) return UnknownType(type);
        if (types.Writer(type) is not { } writable) return ReadOnlyType(type);
        var (resource, error) = await FhirFormats.ReadBodyAsync(http.Request, http.RequestAborted);
        if (resource is null) return FhirOutcomes.BadRequest(error!);
        if (resource.TypeName != type) return FhirOutcomes.BadRequest($"The body is a {resource.TypeName}, not a {type}.", "resourceType");
        var outcome = await writable.CreateAsync(http.FhirSession(), resource, http.RequestAborted);
        if (!outcome.IsOk) return FhirOutcomes.From(outcome, RetryAfter(http));
        var created = outcome.Value!;
        return new FhirResult(created, StatusCodes.Status201Created)
        {
            Location = $"{BaseUrl(http.Request)}/{type}/{created.Id}/_history/{created.Meta?.VersionId ?? "1"}",
        };
    }

    private static async Task<IResult> Update(string type, string id, HttpContext http, FhirResourceTypes types)
    {
        if (types.Find(type) is null && types.Writer(type) is null) return UnknownType(type);
        if (types.Writer(type) is not { } writable) return ReadOnlyType(type);
        var (resource, error) = await FhirFormats.ReadBodyAsync(http.Request, http.RequestAborted);
        if (resource is null) return FhirOutcomes.BadRequest(error!);
        if (resource.TypeName != type) return FhirOutcomes.BadRequest($"The body is a {resource.TypeName}, not a {type}.", "resourceType");
        if (resource.Id != id) return FhirOutcomes.BadRequest($"The body's id must be the id in the URL ('{Clip(id)}').", $"{type}.id");
        var ifMatch = http.Request.Headers.IfMatch.ToString();
        var outcome = await writable.UpdateAsync(http.FhirSession(), id, resource, ifMatch.Length == 0 ? null : ifMatch, http.RequestAborted);
        return outcome.IsOk ? new FhirResult(outcome.Value!) : FhirOutcomes.From(outcome, RetryAfter(http));
    }

    private static FhirResult UnknownType(string type) => FhirOutcomes.Result(404, OperationOutcome.IssueType.NotSupported,
        $"Resource type '{Clip(type)}' is not supported by this server; GET {BasePath}/metadata lists the types it serves.");

    private static FhirResult ReadOnlyType(string type) => FhirOutcomes.Result(405, OperationOutcome.IssueType.NotSupported,
        $"{type} is read-only through this interface; GET {BasePath}/metadata lists the interactions per type.");

    private static int RetryAfter(HttpContext http) => http.RequestServices.GetService<NodeOptions>()?.Admission.RetryAfterSeconds ?? 1;

    private static string Clip(string value) => value.Length <= 60 ? value : value[..60] + "…";
}
