using System.Runtime.CompilerServices;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Writes;

/// <summary>
/// What every FHIR write (create, update, transaction and batch entry) checks and answers the same way, whatever the type:
/// references only to this server (relative, <c>urn:uuid:</c>, or this server's base URL), the 403 of a patient who exists
/// at another organisation, and a create that found its resource already there (200, not 201).
/// </summary>
public static class FhirWriteChecks
{
    private static readonly ConditionalWeakTable<Resource, object> Existing = [];

    /// <summary>Marks a create's answer as the resource that was already there (nothing new written): answered 200, not 201.</summary>
    public static Resource MarkExisting(Resource resource)
    {
        Existing.AddOrUpdate(resource, true);
        return resource;
    }

    /// <summary>True when <see cref="MarkExisting"/> marked the resource.</summary>
    public static bool IsExisting(Resource resource) => Existing.TryGetValue(resource, out _);

    /// <summary>
    /// The first reference in <paramref name="resource"/> to another server: an absolute URL that is not under
    /// <paramref name="baseUrl"/> (<c>http://other.example/fhir/Patient/x</c> is not a patient here). Null when there is none;
    /// else the element's path (e.g. <c>Condition.subject</c>) and the message.
    /// </summary>
    public static (string Path, string Message)? ForeignReference(Resource resource, string baseUrl)
    {
        foreach (var (path, reference) in References(resource, resource.TypeName))
        {
            var value = reference.Reference?.Trim();
            if (value is null || !value.Contains("://", StringComparison.Ordinal)) continue;
            if (value.StartsWith(baseUrl + "/", StringComparison.OrdinalIgnoreCase)) continue;
            return (path, "The reference is to another server: give a relative reference ('Type/id'), a Bundle entry's urn:uuid, or this server's base URL.");
        }
        return null;
    }

    /// <summary>The ids of the patients <paramref name="resource"/> names in its <c>subject</c> or <c>patient</c> elements (and a Patient's own id).</summary>
    public static IReadOnlyList<string> PatientIds(Resource resource)
    {
        var ids = new List<string>();
        if (resource is Patient { Id: { Length: > 0 } own }) ids.Add(own);
        foreach (var (path, reference) in References(resource, resource.TypeName))
        {
            if (path != resource.TypeName + ".subject" && path != resource.TypeName + ".patient") continue;
            var parts = (reference.Reference ?? "").Trim().Split('/');
            if (parts.Length >= 2 && parts[^2] == "Patient" && parts[^1].Length > 0) ids.Add(parts[^1]);
        }
        return ids;
    }

    /// <summary>
    /// A write refused as NotFound (404) because this node did not open the patient for the writer answers like a read:
    /// 403 when the patient <paramref name="resource"/> names exists on the chain at another organisation (docs/api.md, "Access").
    /// </summary>
    public static Outcome<T> AsReads<T>(Outcome<T> outcome, UserSession actor, Resource resource, FhirPatientAccess gate, string? patientId = null)
    {
        if (outcome.Kind != OutcomeKind.NotFound) return outcome;
        foreach (var id in PatientIds(resource).Append(patientId).OfType<string>())
        {
            if (gate.OrganisationOf(id) is { } organisation && organisation != actor.OrganisationId)
            {
                return Outcome<T>.Forbidden($"Patient {id}'s record is kept by another organisation and is not open to your writes.");
            }
        }
        return outcome;
    }

    private static IEnumerable<(string Path, ResourceReference Reference)> References(Base element, string path)
    {
        foreach (var (name, value) in element.EnumerateElements())
        {
            var childPath = $"{path}.{name}";
            var children = value switch
            {
                Base single => [single],
                IEnumerable<Base> many => many,
                _ => [],
            };
            foreach (var child in children)
            {
                if (child is Resource) continue; // contained resources answer for themselves
                if (child is ResourceReference reference) yield return (childPath, reference);
                else foreach (var nested in References(child, childPath)) yield return nested;
            }
        }
    }
}
