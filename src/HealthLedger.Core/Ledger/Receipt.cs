using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Ledger;

/// <summary>What became of one transaction in a block: accepted, or rejected with its reason.</summary>
/// <param name="TxId">The transaction.</param>
/// <param name="Verdict">The outcome.</param>
/// <param name="Reason">Why it was rejected; empty when accepted.</param>
public sealed record Receipt(Hash256 TxId, TxVerdict Verdict, string Reason)
{
    private const byte Version = 1;

    /// <summary>Canonical encoding (the leaf data of the receipts root).</summary>
    public byte[] Encode() => new CanonicalWriter(64 + Reason.Length).U8(Version).Hash(TxId).U8((byte)Verdict).Text(Reason).ToArray();

    /// <summary>Decodes <see cref="Encode"/>'s output.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out Receipt? receipt, out string? error)
    {
        receipt = null;
        var r = new CanonicalReader(data);
        if (r.U8(out var version) && version != Version) r.Fail($"unsupported receipt version {version}");
        r.Hash(out var txId, "transaction id");
        r.U8(out var verdict);
        r.Text(out var reason, 1024, "reason");
        if (!r.End())
        {
            error = r.Error;
            return false;
        }
        error = null;
        receipt = new Receipt(txId, (TxVerdict)verdict, reason);
        return true;
    }
}
