using HealthLedger.Core.Model;
using HealthLedger.Node.Ledger;

namespace HealthLedger.Node.Records;

/// <summary>Member organisations' names as their records on the chain give them (the same at every node).</summary>
public static class OrganisationNames
{
    /// <summary>
    /// The name of organisation <paramref name="organisationId"/> from its member record (state <c>org/&lt;id&gt;</c>); the id
    /// itself when the chain holds no such record. Printouts name a record's custodian with it, whichever node prints them.
    /// </summary>
    public static string Of(LedgerNode node, string organisationId) =>
        node.GetState(StateKeys.Organisation(organisationId)) is { } bytes && OrganisationRecord.TryDecode(bytes) is { } organisation
            ? organisation.Name
            : organisationId;
}
