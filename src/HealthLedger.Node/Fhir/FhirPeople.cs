using HealthLedger.Core.Model;
using HealthLedger.Node.Ledger;
using Hl7.Fhir.Model;

namespace HealthLedger.Node.Fhir;

/// <summary>
/// The FHIR reference to a HealthLedger user by their role on the chain: a doctor is <c>Practitioner/{id}</c> and a patient
/// <c>Patient/{id}</c> (resources this server serves); anyone else (admins, pharmacists, lab staff, accountants, auditors,
/// rescuers) has no resource here, so the reference is logical — <c>identifier</c> in <see cref="UserSystem"/> with the user
/// id as display — and never a literal reference that would not resolve (FHIR R4 references.html, "Logical References").
/// </summary>
public sealed class FhirPeople(LedgerNode node)
{
    /// <summary>The identifier system of HealthLedger user ids.</summary>
    public const string UserSystem = Resources.AuditEventResource.UserSystem;

    /// <summary>The reference to user <paramref name="userId"/> (see the type's summary).</summary>
    public ResourceReference Of(string userId) => Of(userId, node.GetState(StateKeys.User(userId)) is { } bytes ? UserRecord.TryDecode(bytes)?.Role : null);

    /// <summary>The reference to user <paramref name="userId"/> whose role is <paramref name="role"/> (null when unknown).</summary>
    public static ResourceReference Of(string userId, Role? role) => role switch
    {
        Role.Doctor => FhirMeta.Reference("Practitioner", userId),
        Role.Patient => FhirMeta.Reference("Patient", userId),
        _ => new ResourceReference { Identifier = new Identifier(UserSystem, userId), Display = userId },
    };
}
