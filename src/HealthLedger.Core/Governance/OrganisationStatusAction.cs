using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;

namespace HealthLedger.Core.Governance;

/// <summary>Suspends, reinstates or removes a member organisation.</summary>
/// <param name="Kind"><see cref="GovernanceAction.SuspendOrganisation"/>, <see cref="GovernanceAction.ReinstateOrganisation"/> or <see cref="GovernanceAction.RemoveOrganisation"/>.</param>
/// <param name="OrganisationId">The organisation.</param>
public sealed record OrganisationStatusAction(GovernanceAction Kind, string OrganisationId) : ProposedAction
{
    /// <inheritdoc/>
    public override GovernanceAction Action => Kind;

    /// <inheritdoc/>
    public override string? Problem()
    {
        if (Kind is not (GovernanceAction.SuspendOrganisation or GovernanceAction.ReinstateOrganisation or GovernanceAction.RemoveOrganisation))
        {
            return $"action: {Kind} is not an organisation status change";
        }
        return Identifiers.IsValid(OrganisationId) ? null : $"organisationId: {Identifiers.Rule}";
    }

    /// <inheritdoc/>
    protected override void WriteBody(CanonicalWriter w) => w.Text(OrganisationId);

    internal static bool TryReadBody(ref CanonicalReader r, GovernanceAction kind, out OrganisationStatusAction action)
    {
        r.Text(out var id, Identifiers.MaxLength, "organisation id");
        action = new OrganisationStatusAction(kind, id);
        return r.Error is null;
    }
}
