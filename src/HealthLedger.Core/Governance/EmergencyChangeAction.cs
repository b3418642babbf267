using HealthLedger.Core.Emergencies;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;

namespace HealthLedger.Core.Governance;

/// <summary>
/// Ends an emergency early (<see cref="GovernanceAction.EndEmergency"/>: its end becomes the approving block's time) or
/// extends it (<see cref="GovernanceAction.ExtendEmergency"/>: its end becomes <paramref name="EndsAt"/>, later than the
/// current end, at most 30 days after the approving block). Approved under the policy's rule for the action (default: at
/// least 1/3 of the governing organisations). An emergency already over cannot be ended or extended: declare a new one.
/// </summary>
/// <param name="Kind"><see cref="GovernanceAction.EndEmergency"/> or <see cref="GovernanceAction.ExtendEmergency"/>.</param>
/// <param name="EmergencyId">The emergency.</param>
/// <param name="EndsAt">The new end (block time, Unix ms) when extending; 0 when ending.</param>
public sealed record EmergencyChangeAction(GovernanceAction Kind, string EmergencyId, ulong EndsAt) : ProposedAction
{
    /// <inheritdoc/>
    public override GovernanceAction Action => Kind;

    /// <inheritdoc/>
    public override string? Problem()
    {
        if (Kind is not (GovernanceAction.EndEmergency or GovernanceAction.ExtendEmergency)) return $"action: {Kind} is not an emergency change";
        if (!Identifiers.IsValid(EmergencyId)) return $"emergencyId: {Identifiers.Rule}";
        if (Kind == GovernanceAction.EndEmergency && EndsAt != 0) return "endsAt: ending an emergency ends it at the approving block's time: leave the end out";
        if (Kind == GovernanceAction.ExtendEmergency && EndsAt == 0) return "endsAt: the new end of the emergency is required";
        return null;
    }

    /// <inheritdoc/>
    protected override void WriteBody(CanonicalWriter w) => w.Text(EmergencyId).VarUInt(EndsAt);

    internal static bool TryReadBody(ref CanonicalReader r, GovernanceAction kind, out EmergencyChangeAction action)
    {
        r.Text(out var id, Identifiers.MaxLength, "emergency id");
        r.VarUInt(out var ends);
        action = new EmergencyChangeAction(kind, id, ends);
        return r.Error is null;
    }

    internal static Ledger.TxResult Apply(Transactions.TxContext context, EmergencyChangeAction change)
    {
        var now = context.Timestamp;
        if (EmergencyState.Get(context.State, change.EmergencyId) is not { } emergency)
        {
            return Ledger.TxResult.Reject(Ledger.TxVerdict.NotFound, $"emergencyId: emergency '{change.EmergencyId}' does not exist");
        }
        if (emergency.EndsAt <= now) return Ledger.TxResult.Reject(Ledger.TxVerdict.Conflict, $"emergency '{emergency.Id}' is already over: declare a new one");
        EmergencyState changed;
        if (change.Kind == GovernanceAction.EndEmergency)
        {
            changed = emergency with { EndsAt = Math.Max(now, emergency.StartsAt), EndedEarly = true };
        }
        else
        {
            if (change.EndsAt <= emergency.EndsAt) return Ledger.TxResult.Reject(Ledger.TxVerdict.InvalidField, "endsAt: an extension ends later than the current end");
            if (change.EndsAt - Math.Max(now, emergency.StartsAt) > EmergencyState.MaxDurationMs) return Ledger.TxResult.Reject(Ledger.TxVerdict.InvalidField, "endsAt: at most 30 days ahead");
            changed = emergency with { EndsAt = change.EndsAt };
        }
        context.State.Set(EmergencyState.Key(emergency.Id), changed.Encode());
        return Ledger.TxResult.Ok;
    }
}
