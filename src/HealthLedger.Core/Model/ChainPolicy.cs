using HealthLedger.Core.Encoding;

namespace HealthLedger.Core.Model;

/// <summary>Network-wide limits fixed in the genesis block.</summary>
/// <param name="MaxTxBytes">Largest encoded transaction accepted.</param>
/// <param name="MaxBlockTxs">Most transactions in one block.</param>
public sealed record ChainPolicy(int MaxTxBytes, int MaxBlockTxs)
{
    /// <summary>64 KiB transactions, 10,000 per block.</summary>
    public static ChainPolicy Default { get; } = new(64 * 1024, 10_000);

    /// <summary>Largest transaction size any policy may allow (1 MiB).</summary>
    public const int MaxTxBytesCeiling = 1 << 20;

    /// <summary>Writes the policy.</summary>
    public void Write(CanonicalWriter w) => w.VarUInt((ulong)MaxTxBytes).VarUInt((ulong)MaxBlockTxs);

    /// <summary>Reads a policy and checks its ranges.</summary>
    public static bool TryRead(ref CanonicalReader r, out ChainPolicy policy)
    {
        policy = Default;
        if (!r.VarInt32(out var maxTx, MaxTxBytesCeiling, "max transaction size")) return false;
        if (!r.VarInt32(out var maxBlock, Ledger.BlockHeader.MaxTxCount, "max block transactions")) return false;
        if (maxTx < 1024) return r.Fail("max transaction size must be at least 1024 bytes");
        if (maxBlock < 1) return r.Fail("max block transactions must be at least 1");
        policy = new ChainPolicy(maxTx, maxBlock);
        return true;
    }
}
