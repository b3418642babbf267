using System.Globalization;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Fhir.Export;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using HealthLedger.Node.Web;
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

    /// <summary>The body cap of creates, updates and transaction/batch Bundles: room for a Synthea-size patient Bundle.</summary>
    public const long MaxWriteBytes = 8L * 1024 * 1024;

    /// <summary>The body cap of <c>POST {type}/_search</c> (a form of search parameters).</summary>
    public const long MaxSearchBytes = 1024 * 1024;

    /// <summary>Maps the FHIR endpoints.</summary>
    public static IEndpointRouteBuilder MapFhirApi(this IEndpointRouteBuilder app)
    {
        var root = app.MapGroup(BasePath).WithTags("FHIR R4").ExcludeFromDescription();
        // GET and HEAD (the same headers, no body).
        root.MapMethods("/metadata", [HttpMethods.Get, HttpMethods.Head], (HttpContext http, FhirCapabilities capabilities) => new FhirResult(capabilities.Statement(BaseUrl(http.Request))));
        var group = root.MapGroup("").AddEndpointFilter(RequireBearerSession);
        group.MapGet("/{type}/{id}", Read);
        group.MapGet("/{type}/{id}/_history/{vid}", VersionRead);
        group.MapGet("/{type}", Search);
        // Body caps (docs/api.md): a search form 1 MiB; creates, updates and transaction/batch Bundles MaxWriteBytes.
        group.MapPost("/{type}/_search", SearchByPost).WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxSearchBytes));
        group.MapPost("/{type}", Create).WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxWriteBytes));
        group.MapPut("/{type}/{id}", Update).WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxWriteBytes));
        group.MapFhirExport();
        group.MapPost("", Writes.FhirTransactions.PostAsync).WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxWriteBytes));
        // Anything else under /fhir/R4 is answered in FHIR's terms, not with the site's 404 page: 405 with Allow for a known
        // address asked with another method (PATCH or DELETE on a resource), else 404.
        root.Map("/{**rest}", (string? rest, HttpContext http, FhirResourceTypes types) => NotServed(rest, http, types));
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

    /// <summary>
    /// <c>GET {type}/{id}/_history/{vid}</c> (FHIR vread) for the version that is current — the one the <c>Location</c> of a
    /// create or update and <c>Provenance.target</c> name. An older version is 404 <c>not-found</c> naming the current one:
    /// the ledger keeps every version, but FHIR reads serve the current one (older ones: the JSON API's version history).
    /// </summary>
    private static IResult VersionRead(string type, string id, string vid, HttpContext http, FhirResourceTypes types)
    {
        if (types.Find(type) is not { } resourceType) return UnknownType(type);
        var outcome = resourceType.Read(http.FhirSession(), id);
        if (!outcome.IsOk) return FhirOutcomes.From(outcome, RetryAfter(http));
        var current = outcome.Value!.Meta?.VersionId ?? "1";
        return current == vid ? new FhirResult(outcome.Value!)
            : FhirOutcomes.Result(404, OperationOutcome.IssueType.NotFound,
                $"Version '{Clip(vid)}' of {type}/{Clip(id)} is not served: FHIR reads serve the current version ({current}); earlier versions are in the JSON API's version history.");
    }

    private static IResult Search(string type, HttpContext http, FhirResourceTypes types) => SearchWith(type, http.Request.Query, http, types);

    private static async Task<IResult> SearchByPost(string type, HttpContext http, FhirResourceTypes types)
    {
        // FHIR R4 3.1.0.8: the parameters of a POST search are a form (application/x-www-form-urlencoded).
        if (!http.Request.HasFormContentType) return FhirOutcomes.BadRequest("POST _search takes application/x-www-form-urlencoded parameters.");
        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(http.RequestAborted);
        }
        catch (Exception e) when (Web.TemporaryStorageFailureException.IsTemporaryFolders(e))
        {
            // A multipart form's file parts are spilled to the node's temporary folder while read: its failure is the node's (503).
            throw new Web.TemporaryStorageFailureException(e);
        }
        catch (Exception e) when ((e is IOException or InvalidDataException or NotSupportedException) && e is not BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
        {
            // A multipart body without a boundary or cut short, more fields (or longer ones) than the form reader takes, or a
            // part in a charset .NET refuses (UTF-7).
            // A body over the cap is left to the pipeline's 413.
            // In the node's words, never the framework's.
            return FhirOutcomes.BadRequest(e switch
            {
                InvalidDataException limit => Web.FormLimits.Describe(limit, http, "search").Message,
                NotSupportedException => "A part of the search form names a charset this node does not read: send it in UTF-8. Nothing was changed.",
                _ => Web.FormLimits.CutShort,
            });
        }
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
        if (search.Has("_id") && search.Values.Count == 1)
        {
            // _id alone: reads that answer as a search (an id unknown or not shared is no match). Commas OR, repeats AND.
            var ids = search.Values["_id"].Select(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                .Aggregate((IEnumerable<string>?)null, (acc, next) => acc is null ? next : acc.Intersect(next, StringComparer.Ordinal))!
                .Distinct(StringComparer.Ordinal).ToList();
            var found = new List<Resource>();
            Outcome<FhirMatches>? failed = null;
            foreach (var id in ids)
            {
                var read = resourceType.Read(session, id);
                if (read.IsOk) found.Add(read.Value!);
                else if (read.Kind is not (OutcomeKind.NotFound or OutcomeKind.Forbidden)) failed ??= read.As<FhirMatches>();
            }
            outcome = failed ?? Outcome<FhirMatches>.Ok(new FhirMatches([.. found.Skip(search.Offset).Take(search.Count)], found.Count));
        }
        else
        {
            outcome = resourceType.Search(session, search);
        }
        if (!outcome.IsOk) return FhirOutcomes.From(outcome, RetryAfter(http));
        return new FhirResult(SearchSet(http.Request, query, resourceType, search, outcome.Value!, types, session));
    }

    private static Bundle SearchSet(HttpRequest request, IQueryCollection query, IFhirResourceType type, FhirSearch search, FhirMatches matches, FhirResourceTypes types, UserSession session)
    {
        var baseUrl = BaseUrl(request);
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset, Total = matches.Total, Id = Guid.NewGuid().ToString("N"), Meta = new Meta { LastUpdated = DateTimeOffset.UtcNow } };
        // The links carry every criterion given, in the query string or (POST _search) the form body.
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = PageUrl(baseUrl, type.TypeName, query, search.Offset, search.Count) });
        if (search.Offset + search.Count < matches.Total)
        {
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "next", Url = PageUrl(baseUrl, type.TypeName, query, search.Offset + search.Count, search.Count) });
        }
        if (search.Offset > 0 && matches.Total > 0)
        {
            // Past the end, previous is the last page that has matches, not another empty one.
            var lastPage = (matches.Total - 1) / search.Count * search.Count;
            var previous = search.Offset > lastPage ? lastPage : Math.Max(0, search.Offset - search.Count);
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "previous", Url = PageUrl(baseUrl, type.TypeName, query, previous, search.Count) });
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

    private static async Task<IResult> Create(string type, HttpContext http, FhirResourceTypes types, FhirPatientAccess gate)
    {
        if (type == "metadata" || type.StartsWith('$')) return NotServed(type, http, types);
        if (types.Find(type) is null && types.Writer(type) is null) return UnknownType(type);
        if (types.Writer(type) is not { } writable) return ReadOnlyType(type, http);
        var (resource, error, at) = await FhirFormats.ReadBodyAsync(http.Request, http.RequestAborted);
        if (resource is null) return FhirOutcomes.BadRequest(error!, at);
        if (resource.TypeName != type) return FhirOutcomes.BadRequest($"The body is a {resource.TypeName}, not a {type}.", "resourceType");
        if (Writes.FhirWriteChecks.ForeignReference(resource, BaseUrl(http.Request)) is var (path, message)) return FhirOutcomes.BadRequest(message, path);
        var session = http.FhirSession();
        Outcome<Resource> outcome;
        // The answer is what the writer just wrote: not a disclosure (refusals are still recorded).
        using (Records.DisclosureRecorder.LeaveOut(reads: true, refusals: false))
        {
            outcome = Writes.FhirWriteChecks.AsReads(await writable.CreateAsync(session, resource, http.RequestAborted), session, resource, gate);
        }
        if (!outcome.IsOk) return FhirOutcomes.From(outcome, RetryAfter(http));
        var created = outcome.Value!;
        // A create that found its resource already there (an item already listed) wrote nothing: 200 with that resource.
        if (Writes.FhirWriteChecks.IsExisting(created)) return new FhirResult(created);
        return new FhirResult(created, StatusCodes.Status201Created)
        {
            Location = $"{BaseUrl(http.Request)}/{type}/{created.Id}/_history/{created.Meta?.VersionId ?? "1"}",
        };
    }

    private static async Task<IResult> Update(string type, string id, HttpContext http, FhirResourceTypes types, FhirPatientAccess gate)
    {
        if (type.StartsWith('$')) return NotServed($"{type}/{id}", http, types);
        if (types.Find(type) is null && types.Writer(type) is null) return UnknownType(type);
        if (types.Writer(type) is not { } writable) return ReadOnlyType(type, http);
        // An append-only type's resources take no update: 405 naming what they take, as for any other method they do not take.
        if (!writable.Updates) return NotServed($"{type}/{id}", http, types);
        var (resource, error, at) = await FhirFormats.ReadBodyAsync(http.Request, http.RequestAborted);
        if (resource is null) return FhirOutcomes.BadRequest(error!, at);
        if (resource.TypeName != type) return FhirOutcomes.BadRequest($"The body is a {resource.TypeName}, not a {type}.", "resourceType");
        if (resource.Id != id) return FhirOutcomes.BadRequest($"The body's id must be the id in the URL ('{Clip(id)}').", $"{type}.id");
        if (Writes.FhirWriteChecks.ForeignReference(resource, BaseUrl(http.Request)) is var (path, message)) return FhirOutcomes.BadRequest(message, path);
        var ifMatch = http.Request.Headers.IfMatch.ToString();
        var session = http.FhirSession();
        Outcome<Resource> outcome;
        using (Records.DisclosureRecorder.LeaveOut(reads: true, refusals: false))
        {
            outcome = Writes.FhirWriteChecks.AsReads(await writable.UpdateAsync(session, id, resource, ifMatch.Length == 0 ? null : ifMatch, http.RequestAborted), session, resource, gate);
        }
        return outcome.IsOk ? new FhirResult(outcome.Value!) : FhirOutcomes.From(outcome, RetryAfter(http));
    }

    private static FhirResult UnknownType(string type) => FhirOutcomes.Result(404, OperationOutcome.IssueType.NotSupported,
        $"Resource type '{Clip(type)}' is not supported by this server; GET {BasePath}/metadata lists the types it serves.");

    private static FhirResult ReadOnlyType(string type, HttpContext http)
    {
        // Its type's search and its resources' reads are what the address takes (RFC 9110 §15.5.6).
        http.Response.Headers.Allow = string.Join(", ", HttpMethods.Get, HttpMethods.Head);
        return FhirOutcomes.Result(405, OperationOutcome.IssueType.NotSupported,
            $"{type} is read-only through this interface; GET {BasePath}/metadata lists the interactions per type.");
    }

    // An address under the base asked with a method it does not take: 405 naming what it takes, 404 for an unknown type or path.
    // Also where a generic {type} route caught 'metadata' or a '$' operation (a POST there is not a create).
    private static FhirResult NotServed(string? rest, HttpContext http, FhirResourceTypes types)
    {
        var segments = (rest ?? "").Split('/');
        if (segments[0] is { Length: > 0 } type && !type.StartsWith('$') && type != "metadata" && types.Find(type) is null && types.Writer(type) is null)
        {
            return UnknownType(type);
        }
        if (Allowed(segments, segments[0].StartsWith('$') ? OperationMethods(http, segments[0]) : RouteMatches.MethodsOf(http), types) is { Count: > 0 } allowed)
        {
            http.Response.Headers.Allow = string.Join(", ", allowed);
            return FhirOutcomes.Result(405, OperationOutcome.IssueType.NotSupported,
                $"'{BasePath}/{Clip(rest ?? "")}' does not take {Clip(http.Request.Method)}: it takes {string.Join(", ", allowed)}. Nothing was changed.");
        }
        return FhirOutcomes.Result(404, OperationOutcome.IssueType.NotSupported,
            $"'{BasePath}/{Clip(rest ?? "")}' is not an interaction this server supports; GET {BasePath}/metadata lists them.");
    }

    // What a '$' operation's address takes: only the routes that name the operation (the generic {type} patterns match it too),
    // HEAD beside a GET that takes one ($export's kick-off does not: WritesWhenReadAttribute).
    private static IReadOnlyList<string> OperationMethods(HttpContext http, string operation)
    {
        var named = RouteMatches.Of(http).Where(e => e.RoutePattern.PathSegments.Any(p => p.IsSimple && p.Parts[0] is Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart l
            && l.Content == operation)).ToList();
        return RouteMatches.AllowOf(named);
    }

    // What an address under the base takes, from the routes whose pattern matches it (RouteMatches): the generic {type}
    // patterns also match 'metadata', the '$' operations and read-only types, which take no create or update.
    private static IReadOnlyList<string> Allowed(string[] segments, IReadOnlyList<string> routed, FhirResourceTypes types) => segments switch
    {
        ["metadata"] => [HttpMethods.Get, HttpMethods.Head],
        [var operation, ..] when operation.StartsWith('$') => routed,
        // A read-only type takes no create or update, an append-only one no update, and '{type}/_search' is no resource to update.
        [var type, ..] when type.Length > 0 => types.Writer(type) is { } writer
            ? [.. routed.Where(m => m != HttpMethods.Put || (writer.Updates && segments is not [_, "_search"]))]
            : [.. routed.Where(m => m != HttpMethods.Put && (m != HttpMethods.Post || segments is [_, "_search"]))],
        _ => routed,
    };

    private static int RetryAfter(HttpContext http) => http.RequestServices.GetService<NodeOptions>()?.Admission.RetryAfterSeconds ?? 1;

    private static string Clip(string value) => value.Length <= 60 ? value : value[..60] + "…";
}
