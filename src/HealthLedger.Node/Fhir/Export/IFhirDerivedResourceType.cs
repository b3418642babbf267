using HealthLedger.Node.Security;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Export;

/// <summary>
/// A resource type whose resources are derived from other types' resources (Provenance: the ledger proof of each record
/// version gathered). <see cref="FhirEverything"/> does not search such a type for a patient's compartment; it asks it to
/// <see cref="Derive"/> its resources from what was gathered, so nothing is read twice.
/// </summary>
public interface IFhirDerivedResourceType : IFhirResourceType
{
    /// <summary>This type's resources for the <paramref name="gathered"/> resources (already read, with access checked).</summary>
    IEnumerable<Resource> Derive(UserSession actor, IReadOnlyList<Resource> gathered);
}
