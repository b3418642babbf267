using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Records;

/// <summary>
/// Where a record version was written: its transaction, block and block time. A value (48 bytes), held inside what carries
/// it: the read model keeps one per entry head (2 million at 100,000 patients), where an object each cost 24 bytes more and
/// one more object for the collector to trace.
/// </summary>
/// <param name="TxId">The transaction.</param>
/// <param name="Height">The block height.</param>
/// <param name="Timestamp">The block time (Unix ms).</param>
public readonly record struct RecordProof(Hash256 TxId, ulong Height, ulong Timestamp)
{
    /// <summary>Writes the proof.</summary>
    public void Write(CanonicalWriter w) => w.Hash(TxId).VarUInt(Height).VarUInt(Timestamp);

    /// <summary>Reads a proof.</summary>
    public static bool TryRead(ref CanonicalReader r, out RecordProof proof)
    {
        r.Hash(out var tx, "proof transaction");
        r.VarUInt(out var height);
        r.VarUInt(out var timestamp);
        proof = new RecordProof(tx, height, timestamp);
        return r.Error is null;
    }
}
