using System.Globalization;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Writes;

/// <summary>
/// <c>POST /fhir/R4</c> with a Bundle of type <c>transaction</c> or <c>batch</c> (FHIR R4 http.html#transaction): entries with
/// request.method POST (create) or PUT (update, <c>Type/id</c>) go to the types' writers, so each is the same signed
/// transaction as the UI's. <c>urn:uuid:</c> full URLs referenced by other entries resolve to the ids the entries were
/// created with (R4 http.html#trules). A transaction maps and validates every entry first — any failure answers one
/// OperationOutcome (issues at <c>Bundle.entry[i]…</c>) and nothing is written — then submits the entries in dependency
/// order. The ledger cannot roll back a committed entry: a refusal at submission (a conflict found only then) stops the
/// rest and the OperationOutcome names the entries already written. A batch runs every entry on its own. A POST entry's
/// <c>request.ifNoneExist</c> is a conditional create through the type's search (one match: 200 with it, nothing written;
/// several: 412); fullUrls are unique; references to another server are 400.
/// </summary>
public sealed class FhirTransactions(FhirResourceTypes types, FhirPatientAccess gate)
{
    /// <summary>The CapabilityStatement's line.</summary>
    public const string Documentation = "transaction and batch Bundles: POST (create) and PUT (update) entries onto the types' writers, urn:uuid references resolved, every transaction entry validated before any is written.";

    /// <summary>The endpoint.</summary>
    public static async Task<IResult> PostAsync(HttpContext http, FhirTransactions transactions)
    {
        var (resource, error, at) = await FhirFormats.ReadBodyAsync(http.Request, http.RequestAborted);
        if (resource is null) return FhirOutcomes.BadRequest(error!, at);
        if (resource is not Bundle bundle) return FhirOutcomes.BadRequest($"POST {FhirApi.BasePath} takes a Bundle of type transaction or batch, not a {resource.TypeName}.", "resourceType");
        var (status, body) = await transactions.ProcessAsync(http.FhirSession(), bundle, FhirApi.BaseUrl(http.Request), http.RequestAborted);
        return new FhirResult(body, status);
    }

    /// <summary>
    /// Runs a transaction or batch Bundle; the HTTP status and the response Bundle (or OperationOutcome). References may be
    /// relative, to the Bundle's <c>urn:uuid:</c> entries, or under <paramref name="baseUrl"/> (this server): any other
    /// absolute reference is a 400.
    /// </summary>
    public async Task<(int Status, Resource Body)> ProcessAsync(UserSession actor, Bundle bundle, string baseUrl, CancellationToken ct)
    {
        if (bundle.Type is not (Bundle.BundleType.Transaction or Bundle.BundleType.Batch))
        {
            return (400, FhirOutcomes.Error(OperationOutcome.IssueType.Invalid, "The Bundle's type must be transaction or batch.", "Bundle.type"));
        }
        var isTransaction = bundle.Type == Bundle.BundleType.Transaction;
        var references = new FhirReferences();
        var fullUrls = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < bundle.Entry.Count; i++)
        {
            var entry = bundle.Entry[i];
            // R4 bundle.html: fullUrl is unique within a Bundle (two entries with one fullUrl make every reference to it ambiguous).
            if (entry.FullUrl is { Length: > 0 } url && !fullUrls.Add(url))
            {
                return (400, FhirOutcomes.Error(OperationOutcome.IssueType.Invalid, "Another entry of this Bundle has the same fullUrl: each entry's fullUrl must be unique.", $"Bundle.entry[{i}].fullUrl"));
            }
            if (entry.FullUrl is { Length: > 0 } fullUrl && entry.Resource is { } r && entry.Request?.Method == Bundle.HTTPVerb.POST) references.Declare(fullUrl, r.TypeName);
        }
        var steps = new Step?[bundle.Entry.Count];
        var failures = new List<(int Index, int Status, OperationOutcome Outcome)>();
        for (var i = 0; i < bundle.Entry.Count; i++)
        {
            var (step, status, outcome) = Prepare(actor, bundle.Entry[i], i, references, baseUrl);
            if (step is not null) steps[i] = step;
            else failures.Add((i, status, outcome!));
        }
        if (isTransaction && failures.Count > 0)
        {
            var all = new OperationOutcome { Issue = failures.SelectMany(f => f.Outcome.Issue).ToList() };
            return (failures.Any(f => f.Status == 400) ? 400 : failures[0].Status, all);
        }
        var responses = new Bundle.ResponseComponent?[bundle.Entry.Count];
        foreach (var (index, status, outcome) in failures) responses[index] = new Bundle.ResponseComponent { Status = StatusLine(status), Outcome = outcome };
        var written = new List<string>();
        // Dependency order: an entry goes once every Bundle entry it references has been created.
        var pending = Enumerable.Range(0, steps.Length).Where(i => steps[i] is not null).ToList();
        while (pending.Count > 0)
        {
            var ready = pending.Where(i => steps[i]!.DependsOn.All(d => !references.IsPending(d))).ToList();
            if (ready.Count == 0)
            {
                var issue = FhirOutcomes.Error(OperationOutcome.IssueType.Invalid, "The entries' urn:uuid references form a cycle or name entries that failed.", $"Bundle.entry[{pending[0]}]");
                if (isTransaction) return (400, issue);
                foreach (var i in pending) responses[i] = new Bundle.ResponseComponent { Status = StatusLine(400), Outcome = issue };
                break;
            }
            foreach (var i in ready)
            {
                pending.Remove(i);
                var step = steps[i]!;
                Outcome<Resource> result;
                // The answer is what the writer just wrote: not a disclosure (refusals, and ifNoneExist searches, are recorded).
                using (Records.DisclosureRecorder.LeaveOut(reads: true, refusals: false))
                {
                    result = FhirWriteChecks.AsReads(await step.Run(references, ct), actor, bundle.Entry[i].Resource!, gate);
                }
                if (!result.IsOk)
                {
                    var failed = Prefixed(FhirOutcomes.From(result), i);
                    if (isTransaction)
                    {
                        if (written.Count > 0)
                        {
                            failed.Issue.Add(FhirOutcomes.Issue(OperationOutcome.IssueSeverity.Information, OperationOutcome.IssueType.Informational,
                                $"Already committed to the ledger before this refusal (not rolled back): {string.Join(", ", written)}."));
                        }
                        // An entry taken but not committed in time leaves the transaction unfinished (the entries after it did not
                        // run): a failure as before, not the single write's 202, whose error says so, entry by entry (the
                        // entry's own issue is the warning that it may still commit).
                        if (result.Kind == OutcomeKind.Pending)
                        {
                            var notSent = pending.Order().Select(j => $"Bundle.entry[{j}]").ToList();
                            failed.Issue.Insert(0, FhirOutcomes.Issue(OperationOutcome.IssueSeverity.Error, OperationOutcome.IssueType.Incomplete,
                                $"The transaction stopped at Bundle.entry[{i}]: the ledger took it but did not commit it in time, so it may still commit. " +
                                    (notSent.Count > 0
                                        ? $"The entries after it were not sent ({string.Join(", ", notSent)}): once it has committed, send them again without it."
                                        : "No entry was left after it."),
                                $"Bundle.entry[{i}]"));
                            return (409, failed);
                        }
                        return (StatusOf(result.Kind), failed);
                    }
                    responses[i] = new Bundle.ResponseComponent { Status = StatusLine(StatusOf(result.Kind)), Outcome = failed };
                    // Entries that reference this one cannot run.
                    if (bundle.Entry[i].FullUrl is { Length: > 0 } url) references.Resolve(url, step.TypeName, "");
                    continue;
                }
                var stored = result.Value!;
                var existed = step.Existing || FhirWriteChecks.IsExisting(stored);
                if (bundle.Entry[i].FullUrl is { Length: > 0 } fullUrl) references.Resolve(fullUrl, stored.TypeName, stored.Id ?? "");
                if (!existed) written.Add($"{stored.TypeName}/{stored.Id}");
                responses[i] = new Bundle.ResponseComponent
                {
                    Status = StatusLine(step.IsCreate && !existed ? 201 : 200),
                    Location = $"{stored.TypeName}/{stored.Id}/_history/{stored.Meta?.VersionId ?? "1"}",
                    Etag = stored.Meta?.VersionId is { } v ? $"W/\"{v}\"" : null,
                    LastModified = stored.Meta?.LastUpdated,
                };
            }
        }
        var response = new Bundle
        {
            Id = Guid.NewGuid().ToString("N"),
            Type = isTransaction ? Bundle.BundleType.TransactionResponse : Bundle.BundleType.BatchResponse,
            Meta = new Meta { LastUpdated = DateTimeOffset.UtcNow },
        };
        foreach (var r in responses) response.Entry.Add(new Bundle.EntryComponent { Response = r ?? new Bundle.ResponseComponent { Status = StatusLine(500) } });
        return (200, response);
    }

    private sealed record Step(string TypeName, bool IsCreate, IReadOnlyList<string> DependsOn, Func<FhirReferences, CancellationToken, Task<Outcome<Resource>>> Run)
    {
        /// <summary>An ifNoneExist create that found its match: nothing is written.</summary>
        public bool Existing { get; init; }
    }

    private (Step? Step, int Status, OperationOutcome? Outcome) Prepare(UserSession actor, Bundle.EntryComponent entry, int i, FhirReferences references, string baseUrl)
    {
        OperationOutcome Bad(string message, string path) => FhirOutcomes.Error(OperationOutcome.IssueType.Invalid, message, $"Bundle.entry[{i}].{path}");
        if (entry.Request?.Method is not { } method) return (null, 400, Bad("Each entry needs request.method and request.url.", "request"));
        // Checked before the resource: a GET, DELETE, HEAD or PATCH entry (which carry none) is told what is unsupported.
        if (method is not (Bundle.HTTPVerb.POST or Bundle.HTTPVerb.PUT))
        {
            return (null, 422, FhirOutcomes.Error(OperationOutcome.IssueType.NotSupported,
                $"Only POST and PUT entries are supported, not {method}.", $"Bundle.entry[{i}].request.method"));
        }
        if (entry.Resource is not { } resource) return (null, 400, Bad("Each POST or PUT entry carries its resource.", "resource"));
        var url = (entry.Request.Url ?? "").Trim().TrimStart('/');
        var q = url.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0) url = url[..q];
        var parts = url.Split('/');
        if (parts[0] != resource.TypeName) return (null, 400, Bad($"request.url must name the resource's type ({resource.TypeName}).", "request.url"));
        // A create's url is the type alone (http.html#trules): a query or id there was dropped without a word.
        if (method == Bundle.HTTPVerb.POST && (q >= 0 || parts.Length != 1))
        {
            return (null, 400, Bad($"A POST entry's request.url is the type alone ({resource.TypeName}); a conditional create uses request.ifNoneExist.", "request.url"));
        }
        if (types.Writer(resource.TypeName) is not { } writer)
        {
            return (null, 422, FhirOutcomes.Error(OperationOutcome.IssueType.NotSupported, $"{resource.TypeName} cannot be written through this interface.", $"Bundle.entry[{i}].resource"));
        }
        if (FhirWriteChecks.ForeignReference(resource, baseUrl) is var (foreignPath, foreign))
        {
            return (null, 400, Bad(foreign, "resource" + foreignPath[resource.TypeName.Length..]));
        }
        if (entry.Request.IfNoneExist is { Length: > 0 } ifNoneExist)
        {
            if (method != Bundle.HTTPVerb.POST) return (null, 400, Bad("ifNoneExist applies to POST (create) entries only.", "request.ifNoneExist"));
            var (found, status, error) = Existing(actor, resource.TypeName, ifNoneExist, i);
            if (error is not null) return (null, status, error);
            if (found is not null)
            {
                // Conditional create (http.html#ccreate): one match is the answer (200) and nothing is written.
                return (new Step(resource.TypeName, true, [], (_, _) => Task.FromResult(Outcome<Resource>.Ok(found))) { Existing = true }, 0, null);
            }
        }
        if (method == Bundle.HTTPVerb.POST)
        {
            if (writer is not IFhirPlannedWriter planned)
            {
                return (null, 422, FhirOutcomes.Error(OperationOutcome.IssueType.NotSupported, $"{resource.TypeName} cannot be created in a Bundle.", $"Bundle.entry[{i}].resource"));
            }
            var plan = FhirWriteChecks.AsReads(planned.Plan(actor, resource, references), actor, resource, gate);
            if (!plan.IsOk) return (null, StatusOf(plan.Kind), Prefixed(FhirOutcomes.From(plan), i));
            return (new Step(resource.TypeName, true, plan.Value!.DependsOn, plan.Value.Submit), 0, null);
        }
        // PUT (the only other method let through above).
        if (parts.Length != 2 || parts[1].Length == 0) return (null, 400, Bad("A PUT entry's request.url is Type/id.", "request.url"));
        if (resource.Id != parts[1]) return (null, 400, Bad("The resource's id must be the id in request.url.", "resource.id"));
        var ifMatch = entry.Request.IfMatch;
        return (new Step(resource.TypeName, false, [], (_, ct) => writer.UpdateAsync(actor, parts[1], resource, ifMatch, ct)), 0, null);
    }

    /// <summary>
    /// The resource an entry's <c>request.ifNoneExist</c> (a search query of the entry's type) finds: null when none matches;
    /// 412 when several do; 400 naming <c>Bundle.entry[i].request.ifNoneExist</c> when the query cannot be read.
    /// </summary>
    private (Resource? Found, int Status, OperationOutcome? Error) Existing(UserSession actor, string typeName, string ifNoneExist, int i)
    {
        var path = $"Bundle.entry[{i}].request.ifNoneExist";
        if (types.Find(typeName) is not { } type) return (null, 400, FhirOutcomes.Error(OperationOutcome.IssueType.NotSupported, $"{typeName} cannot be searched, so ifNoneExist cannot be checked.", path));
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(ifNoneExist.TrimStart('?'));
        if (query.Count == 0 || query.Keys.Any(k => k.StartsWith("_count", StringComparison.Ordinal) || k.StartsWith("_offset", StringComparison.Ordinal) || k.StartsWith("_include", StringComparison.Ordinal)))
        {
            return (null, 400, FhirOutcomes.Error(OperationOutcome.IssueType.Invalid, "ifNoneExist is a search query of the entry's type, e.g. 'identifier=system|value'.", path));
        }
        var (search, errors) = FhirSearch.Parse(new QueryCollection(query), type);
        if (search is null)
        {
            var messages = errors.ToDictionary().SelectMany(e => e.Value);
            return (null, 400, FhirOutcomes.Error(OperationOutcome.IssueType.Invalid, "ifNoneExist: " + string.Join(" ", messages), path));
        }
        var matches = type.Search(actor, search);
        if (!matches.IsOk)
        {
            var failed = (OperationOutcome)FhirOutcomes.From(matches).Resource;
            foreach (var issue in failed.Issue) issue.Expression = [path];
            return (null, StatusOf(matches.Kind), failed);
        }
        return matches.Value!.Total switch
        {
            0 => (null, 0, null),
            1 => (matches.Value.Page[0], 0, null),
            _ => (null, 412, FhirOutcomes.Error(OperationOutcome.IssueType.MultipleMatches, "ifNoneExist matches more than one resource: make the criteria more selective.", path)),
        };
    }

    /// <summary>The outcome's issues with their expressions moved under <c>Bundle.entry[i].resource</c>.</summary>
    private static OperationOutcome Prefixed(FhirResult result, int i)
    {
        var outcome = (OperationOutcome)result.Resource;
        foreach (var issue in outcome.Issue)
        {
            var expressions = (issue.Expression ?? []).OfType<string>().Select(e => e.StartsWith("Bundle.", StringComparison.Ordinal) ? e
                : e.IndexOf('.', StringComparison.Ordinal) is var dot and > 0 ? $"Bundle.entry[{i}].resource{e[dot..]}" : $"Bundle.entry[{i}].resource").ToList();
            issue.Expression = expressions.Count == 0 ? [$"Bundle.entry[{i}]"] : expressions;
        }
        return outcome;
    }

    private static int StatusOf(OutcomeKind kind) => kind switch
    {
        OutcomeKind.Invalid => 400,
        OutcomeKind.Forbidden => 403,
        OutcomeKind.NotFound => 404,
        OutcomeKind.Unprocessable => 422,
        OutcomeKind.Busy or OutcomeKind.Stopped => 503,
        OutcomeKind.Pending => 202,
        _ => 409,
    };

    private static string StatusLine(int status) => status.ToString(CultureInfo.InvariantCulture) + status switch
    {
        200 => " OK",
        201 => " Created",
        202 => " Accepted",
        400 => " Bad Request",
        403 => " Forbidden",
        404 => " Not Found",
        412 => " Precondition Failed",
        409 => " Conflict",
        422 => " Unprocessable Entity",
        503 => " Service Unavailable",
        _ => "",
    };
}
