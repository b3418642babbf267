using System.Globalization;
using System.Text.RegularExpressions;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Writes;

/// <summary>
/// A write mapped and validated but not yet submitted: what a transaction Bundle (and the importer) checks for every entry
/// before it writes anything. <see cref="Submit"/> runs the service call with the ids the Bundle's earlier entries got.
/// </summary>
/// <param name="TypeName">The FHIR type written.</param>
/// <param name="DependsOn">The <c>urn:uuid:</c> full URLs of other entries this one references (they are submitted first).</param>
/// <param name="Submit">The service call; its value is the stored resource.</param>
public sealed record FhirPlannedWrite(string TypeName, IReadOnlyList<string> DependsOn, Func<FhirReferences, CancellationToken, Task<Outcome<Resource>>> Submit);

/// <summary>
/// A writer whose create can be planned (mapped and validated) apart from its submission, so a transaction validates every
/// entry before writing any (FHIR R4 http.html#transaction).
/// </summary>
public interface IFhirPlannedWriter : IFhirWriter
{
    /// <summary>Maps and checks a create of <paramref name="resource"/>; references may name <c>urn:uuid:</c> entries of <paramref name="references"/>.</summary>
    Outcome<FhirPlannedWrite> Plan(UserSession actor, Resource resource, FhirReferences references);
}

/// <summary>The create of a planned writer outside a Bundle: the plan, then its submission.</summary>
public static class FhirPlannedWrites
{
    /// <summary>Plans the create of <paramref name="resource"/> with literal references only and submits it (the plan's refusal otherwise).</summary>
    public static async Task<Outcome<Resource>> PlanAndSubmitAsync(this IFhirPlannedWriter writer, UserSession actor, Resource resource, CancellationToken ct)
    {
        var plan = writer.Plan(actor, resource, FhirReferences.None);
        return plan.IsOk ? await plan.Value!.Submit(FhirReferences.None, ct) : plan.As<Resource>();
    }
}

/// <summary>
/// References during a write: <c>Type/id</c> (relative or absolute), and <c>urn:uuid:</c> full URLs of a Bundle's entries
/// resolved to the ids they were created with (R4 http.html#trules). Conditional references
/// (<c>Practitioner?identifier=system|value</c>) go through <see cref="Conditional"/> when set.
/// </summary>
public sealed class FhirReferences
{
    private readonly Dictionary<string, (string Type, string? Id)> _entries = new(StringComparer.Ordinal);

    /// <summary>No Bundle: only literal references.</summary>
    public static FhirReferences None => new();

    /// <summary>Resolves a conditional reference (<c>Type?query</c>) to an id, or null.</summary>
    public Func<string, string, string?>? Conditional { get; init; }

    /// <summary>Declares a Bundle entry (its id unknown until it is created).</summary>
    public void Declare(string fullUrl, string type) => _entries[fullUrl] = (type, null);

    /// <summary>Records the id entry <paramref name="fullUrl"/> was created (or found) with (a FHIR id is kept as the ledger id it names).</summary>
    public void Resolve(string fullUrl, string type, string id) => _entries[fullUrl] = (type, FhirIds.Ledger(id) ?? id);

    /// <summary>True when <paramref name="fullUrl"/> is an entry of the Bundle.</summary>
    public bool IsEntry(string fullUrl) => _entries.ContainsKey(fullUrl);

    /// <summary>
    /// The id a reference to a <paramref name="type"/> names: literal <c>Type/id</c> (or <c>…/Type/id</c>), a declared Bundle
    /// entry (its id once created, else the full URL itself as a placeholder), or a conditional reference. Null with a message
    /// when it names something else.
    /// </summary>
    public (string? Id, string? Error) Target(ResourceReference? reference, string type)
    {
        var value = reference?.Reference?.Trim();
        if (string.IsNullOrEmpty(value)) return (null, $"A reference to a {type} is required.");
        if (_entries.TryGetValue(value, out var entry))
        {
            return entry.Type == type ? (entry.Id ?? value, null) : (null, $"The reference names a {entry.Type} entry, not a {type}.");
        }
        if (value.StartsWith("urn:uuid:", StringComparison.Ordinal) || value.StartsWith("urn:oid:", StringComparison.Ordinal))
        {
            return (null, $"'{Clip(value)}' is not the fullUrl of an entry of this Bundle.");
        }
        var q = value.IndexOf('?', StringComparison.Ordinal);
        if (q > 0)
        {
            var target = value[..q];
            if (target != type) return (null, $"The reference must be to a {type}.");
            if (Conditional?.Invoke(type, value[(q + 1)..]) is not { } found) return (null, $"No {type} matches '{Clip(value)}'.");
            return _entries.TryGetValue(found, out var matched) ? (matched.Id ?? found, null) : (found, null);
        }
        // A literal reference names a FHIR id: the ledger id is the one it encodes (FhirIds).
        var parts = value.Split('/');
        var id = parts.Length >= 2 && parts[^2] == type ? parts[^1] : parts.Length >= 4 && parts[^2] == "_history" && parts[^4] == type ? parts[^3] : null;
        if (id is not null && FhirIds.IsValid(id) && FhirIds.Ledger(id) is { } ledgerId) return (ledgerId, null);
        return (null, $"The reference must be '{type}/<id>'.");
    }

    /// <summary>The id for a placeholder produced by <see cref="Target"/> once the Bundle's entries are created.</summary>
    public string Final(string idOrPlaceholder) =>
        _entries.TryGetValue(idOrPlaceholder, out var entry) && entry.Id is { } id ? id : idOrPlaceholder;

    /// <summary>True when <paramref name="idOrPlaceholder"/> is a Bundle entry not created yet (planning time).</summary>
    public bool IsPending(string idOrPlaceholder) => _entries.TryGetValue(idOrPlaceholder, out var entry) && entry.Id is null;

    private static string Clip(string value) => value.Length <= 60 ? value : value[..60] + "…";
}

/// <summary>Helpers shared by the writers: outcomes with FHIR paths, codings, text.</summary>
public static partial class FhirWrite
{
    /// <summary>LOINC.</summary>
    public const string Loinc = "http://loinc.org";

    /// <summary>FHIR's <c>If-Match: W/"3"</c> as the services read it (<c>"3"</c>); null stays null.</summary>
    public static string? IfMatch(string? header) =>
        header?.Trim() is { } tag && tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : header;

    /// <summary>An Invalid outcome with one issue at a FHIR path.</summary>
    public static Outcome<T> Invalid<T>(string path, string message) => Outcome<T>.Invalid(FieldErrors.One(path, message));

    /// <summary>An Unprocessable (422) outcome with one issue at a FHIR path.</summary>
    public static Outcome<T> Unprocessable<T>(string path, string message) => Outcome<T>.Unprocessable(FieldErrors.One(path, message), message);

    /// <summary>
    /// The same outcome with its field errors renamed to FHIR paths by <paramref name="paths"/> (unknown fields keep
    /// <paramref name="fallback"/>), so the OperationOutcome's <c>expression</c> names what the client sent.
    /// </summary>
    public static Outcome<TOut> Remap<TIn, TOut>(Outcome<TIn> outcome, IReadOnlyDictionary<string, string> paths, string fallback)
    {
        if (outcome.Errors is not { IsEmpty: false } errors) return outcome.As<TOut>();
        var mapped = new FieldErrors();
        foreach (var (field, messages) in errors.ToDictionary())
        {
            var key = field.Split('[')[0];
            foreach (var m in messages) mapped.Add(paths.GetValueOrDefault(key, fallback), m);
        }
        return outcome.Kind switch
        {
            OutcomeKind.Invalid => Outcome<TOut>.Invalid(mapped),
            OutcomeKind.Conflict => Outcome<TOut>.Conflict(mapped, outcome.Message ?? "Conflict."),
            OutcomeKind.Unprocessable => Outcome<TOut>.Unprocessable(mapped, outcome.Message ?? "Cannot be processed."),
            _ => outcome.As<TOut>(),
        };
    }

    /// <summary>The text of a concept: its text, else the first coding's display, else its code.</summary>
    public static string Text(CodeableConcept? concept) =>
        concept?.Text is { Length: > 0 } text ? text.Trim()
        : concept?.Coding.FirstOrDefault(c => !string.IsNullOrWhiteSpace(c.Display))?.Display?.Trim()
        ?? concept?.Coding.FirstOrDefault(c => !string.IsNullOrWhiteSpace(c.Code))?.Code?.Trim() ?? "";

    /// <summary>True when <paramref name="concept"/> has coding <paramref name="system"/>|<paramref name="code"/>.</summary>
    public static bool Has(CodeableConcept? concept, string system, string code) =>
        concept?.Coding.Any(c => c.System == system && c.Code == code) == true;

    /// <summary>An instant as the services read it (ISO 8601 with its offset); null when absent or only a date.</summary>
    public static string? Instant(DataType? value) => value switch
    {
        FhirDateTime dt when dt.TryToDateTimeOffset(out var at) && (dt.Value?.Length ?? 0) > 10 => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        FhirDateTime dt when dt.Value is { Length: 10 } day => day + "T12:00:00Z",
        Period p => Instant(p.StartElement),
        Instant i when i.Value is { } v => v.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>A concept with one coding and its text.</summary>
    public static CodeableConcept Concept(string system, string code, string display) => new(system, code, display, display);

    /// <summary>The services' one-line texts: control characters and line breaks folded, trimmed to <paramref name="max"/>.</summary>
    public static string Line(string text, int max)
    {
        var folded = Whitespace().Replace(text, " ").Trim();
        return folded.Length <= max ? folded : folded[..max].TrimEnd();
    }

    [GeneratedRegex("\\s+")]
    private static partial Regex Whitespace();
}
