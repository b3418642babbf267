using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// A batch of disclosure events (reads of PHI and refused attempts), signed by the node that served or refused them.
/// Batched so that reads never cost a block each. Idempotent per event: an event whose <see cref="DisclosureEvent.Id"/> is
/// already recorded (an earlier batch, or earlier in this one) is skipped, so a node may submit an event again after a
/// restart without recording it twice.
/// </summary>
/// <param name="Events">The events.</param>
public sealed record RecordDisclosuresPayload(IReadOnlyList<DisclosureEvent> Events) : TxPayload
{
    /// <summary>Most events in one batch.</summary>
    public const int MaxEvents = 500;

    /// <inheritdoc/>
    public override TxKind Kind => TxKind.RecordDisclosures;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.VarUInt((ulong)Events.Count);
        foreach (var e in Events) e.Write(writer);
    }

    /// <inheritdoc/>
    public bool Equals(RecordDisclosuresPayload? other) => other is not null && Events.SequenceEqual(other.Events);

    /// <inheritdoc/>
    public override int GetHashCode() => Events.Count;
}

/// <summary>Executes <see cref="RecordDisclosuresPayload"/>.</summary>
public sealed class RecordDisclosuresHandler : TxKindHandler<RecordDisclosuresPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.RecordDisclosures;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out RecordDisclosuresPayload payload)
    {
        payload = null!;
        if (!r.VarInt32(out var count, RecordDisclosuresPayload.MaxEvents, "event count")) return false;
        var events = new DisclosureEvent[count];
        for (var i = 0; i < count; i++)
        {
            if (!DisclosureEvent.TryRead(ref r, out events[i])) return false;
        }
        payload = new RecordDisclosuresPayload(events);
        return true;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(RecordDisclosuresPayload p)
    {
        if (p.Events.Count == 0) return Invalid("events", "a batch holds at least one event");
        foreach (var e in p.Events)
        {
            if (!Identifiers.IsValid(e.ActorId) || !Identifiers.IsValid(e.PatientId)) return Invalid("events", "actor and patient ids must be valid identifiers");
            if (e.Id.IsZero) return Invalid("events", "every event needs a non-zero disclosure id");
        }
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, RecordDisclosuresPayload p)
    {
        if (context.Signer is not { Kind: SignerKind.Node }) return TxResult.Reject(TxVerdict.Unauthorized, "only a node records disclosures");
        for (var i = 0; i < p.Events.Count; i++)
        {
            var e = p.Events[i];
            if (context.GetPatient(e.PatientId) is null) return TxResult.Reject(TxVerdict.NotFound, $"patient '{e.PatientId}' does not exist");
            var recorded = StateKeys.DisclosureId(e.Id);
            if (context.State.Contains(recorded)) continue; // recorded already: a resubmission after a restart
            var key = StateKeys.Disclosure(e.PatientId, context.Height, context.TxIndex, i);
            context.State.Set(key, e.Encode());
            context.State.Set(recorded, System.Text.Encoding.UTF8.GetBytes(key));
        }
        return TxResult.Ok;
    }
}
