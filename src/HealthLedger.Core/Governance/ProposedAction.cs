using HealthLedger.Core.Encoding;

namespace HealthLedger.Core.Governance;

/// <summary>
/// What a consortium proposal asks for, with its payload: <c>action(u8) · body</c>. Executed by <see cref="Consortium.Apply"/>
/// once approved (or at once, when the proposer may act alone).
/// </summary>
public abstract record ProposedAction
{
    /// <summary>The action.</summary>
    public abstract GovernanceAction Action { get; }

    /// <summary>The node keys the action makes validators when applied (a node added or given a new key).</summary>
    public virtual IEnumerable<Primitives.SigningPublicKey> NodeKeys => [];

    /// <summary>Why the fields are not acceptable ("field: problem"), or null. No state needed.</summary>
    public abstract string? Problem();

    /// <summary>Writes the body (after the action byte).</summary>
    protected abstract void WriteBody(CanonicalWriter w);

    /// <summary>Writes the action byte and the body.</summary>
    public void Write(CanonicalWriter w)
    {
        w.U8((byte)Action);
        WriteBody(w);
    }

    /// <summary>The canonical encoding on its own.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter();
        Write(w);
        return w.ToArray();
    }

    /// <summary>Reads an action written by <see cref="Write"/>.</summary>
    public static bool TryRead(ref CanonicalReader r, out ProposedAction action)
    {
        action = null!;
        if (!r.U8(out var raw)) return false;
        switch ((GovernanceAction)raw)
        {
            case GovernanceAction.AddOrganisation:
                if (!AddOrganisationAction.TryReadBody(ref r, out var add)) return false;
                action = add;
                return true;
            case GovernanceAction.SuspendOrganisation or GovernanceAction.ReinstateOrganisation or GovernanceAction.RemoveOrganisation:
                if (!OrganisationStatusAction.TryReadBody(ref r, (GovernanceAction)raw, out var status)) return false;
                action = status;
                return true;
            case GovernanceAction.AddNode or GovernanceAction.ReplaceNode:
                if (!NodeAction.TryReadBody(ref r, (GovernanceAction)raw, out var node)) return false;
                action = node;
                return true;
            case GovernanceAction.RemoveNode:
                if (!RemoveNodeAction.TryReadBody(ref r, out var remove)) return false;
                action = remove;
                return true;
            case GovernanceAction.ChangePolicy:
                if (!ChangePolicyAction.TryReadBody(ref r, out var policy)) return false;
                action = policy;
                return true;
            case GovernanceAction.ChangeNetworkPolicy:
                if (!ChangeNetworkPolicyAction.TryReadBody(ref r, out var network)) return false;
                action = network;
                return true;
            case GovernanceAction.DeclareEmergency:
                if (!DeclareEmergencyAction.TryReadBody(ref r, out var declare)) return false;
                action = declare;
                return true;
            case GovernanceAction.EndEmergency or GovernanceAction.ExtendEmergency:
                if (!EmergencyChangeAction.TryReadBody(ref r, (GovernanceAction)raw, out var change)) return false;
                action = change;
                return true;
            default:
                return r.Fail($"governance action {raw} is not known");
        }
    }
}
