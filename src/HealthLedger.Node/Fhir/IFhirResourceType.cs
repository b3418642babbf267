using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir;

/// <summary>
/// One FHIR resource type served at <c>/fhir/R4/{TypeName}</c>: read by id and type-level search, mapped from the node's
/// own services so the same access rules, consent and disclosure recording apply as in the UI and the JSON API. Register
/// with <c>services.AddFhirResourceType&lt;T&gt;()</c>; the CapabilityStatement (<c>metadata</c>) is built from what is
/// registered, so it never claims more than is served.
/// </summary>
public interface IFhirResourceType
{
    /// <summary>The FHIR type name, e.g. <c>Patient</c>.</summary>
    string TypeName { get; }

    /// <summary>The search parameters supported (besides <c>_id</c>, <c>_count</c>, <c>_offset</c>, <c>_include</c>).</summary>
    IReadOnlyList<FhirSearchParameter> SearchParameters { get; }

    /// <summary>The <c>_include</c> values supported, e.g. <c>Encounter:patient</c>.</summary>
    IReadOnlyList<FhirInclude> Includes { get; }

    /// <summary>A line for the CapabilityStatement: what this type holds and where it comes from.</summary>
    string Documentation { get; }

    /// <summary>
    /// The resource with id <paramref name="id"/> as <paramref name="actor"/> may see it (the read recorded as a disclosure
    /// where it concerns a patient); NotFound / Forbidden as the services answer.
    /// </summary>
    Outcome<Resource> Read(UserSession actor, string id);

    /// <summary>
    /// The matches of <paramref name="search"/> that <paramref name="actor"/> may see, in a stable order, with the page
    /// [<see cref="FhirSearch.Offset"/>, +<see cref="FhirSearch.Count"/>) built (and recorded as disclosures) and the total.
    /// Invalid (400) naming the parameter when a value cannot be read.
    /// </summary>
    Outcome<FhirMatches> Search(UserSession actor, FhirSearch search);
}

/// <summary>
/// Create and update of one resource type through <c>/fhir/R4</c> (and in a transaction Bundle), registered apart from the
/// type's reads with <c>services.AddFhirWriter&lt;T&gt;()</c>: each write is the same signed transaction the UI and JSON API
/// submit. The CapabilityStatement lists create/update for the types that have a writer.
/// </summary>
public interface IFhirWriter
{
    /// <summary>The FHIR type name written, e.g. <c>Encounter</c>.</summary>
    string TypeName { get; }

    /// <summary>Creates the resource; the outcome's value is the stored resource (with its new id and meta.versionId).</summary>
    Task<Outcome<Resource>> CreateAsync(UserSession actor, Resource resource, CancellationToken ct);

    /// <summary>False when every update is refused (an append-only record: 422), so <c>metadata</c> does not list update.</summary>
    bool Updates => true;

    /// <summary>Updates resource <paramref name="id"/>; <paramref name="ifMatch"/> is the <c>If-Match</c> header (W/"version") or null.</summary>
    Task<Outcome<Resource>> UpdateAsync(UserSession actor, string id, Resource resource, string? ifMatch, CancellationToken ct);
}

/// <summary>A search parameter: its name, FHIR type (string, token, date, reference…), the modifiers supported and what it matches.</summary>
public sealed record FhirSearchParameter(string Name, SearchParamType Type, string Documentation, params IReadOnlyList<string> Modifiers);

/// <summary>
/// An <c>_include</c>: <see cref="Value"/> such as <c>Encounter:patient</c>, and how to find the referenced ids in a match
/// (<c>Patient/pt-1</c> style references; the endpoint reads each with the target type's <see cref="IFhirResourceType.Read"/>,
/// so included resources obey the same access rules).
/// </summary>
public sealed record FhirInclude(string Value, Func<Resource, IEnumerable<ResourceReference?>> References);

/// <summary>One page of search matches and how many there are in all.</summary>
public sealed record FhirMatches(IReadOnlyList<Resource> Page, int Total)
{
    /// <summary>
    /// Pages an in-memory list of matches: only the page's items are mapped with <paramref name="map"/> (where reads are
    /// recorded), the total counts them all.
    /// </summary>
    public static FhirMatches Of<T>(IReadOnlyList<T> all, FhirSearch search, Func<IReadOnlyList<T>, IEnumerable<Resource>> map) =>
        new(map(all.Skip(search.Offset).Take(search.Count).ToList()).ToList(), all.Count);
}
