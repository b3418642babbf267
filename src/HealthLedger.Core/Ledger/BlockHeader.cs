using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Ledger;

/// <summary>
/// A block header. The block hash is SHA-256 of the header's canonical encoding without the signature;
/// the proposer signs <c>"HealthLedger/block/v1" || network id || block hash</c>.
/// </summary>
/// <param name="Version">Header encoding version.</param>
/// <param name="Height">0 for genesis, then +1 per block.</param>
/// <param name="PreviousHash">Hash of the block before (all zeros for genesis).</param>
/// <param name="Timestamp">Unix milliseconds, given by the host; never decreases.</param>
/// <param name="TxCount">Number of transactions.</param>
/// <param name="TxRoot">RFC 6962 Merkle root of the transaction ids.</param>
/// <param name="StateRoot">World-state root after this block.</param>
/// <param name="ReceiptsRoot">RFC 6962 Merkle root of the receipt encodings.</param>
/// <param name="Proposer">The node that made the block.</param>
/// <param name="Signature">The proposer's signature.</param>
public sealed class BlockHeader(
    byte Version, ulong Height, Hash256 PreviousHash, ulong Timestamp, int TxCount,
    Hash256 TxRoot, Hash256 StateRoot, Hash256 ReceiptsRoot, SigningPublicKey Proposer, Signature64 Signature)
{
    /// <summary>Header encoding version.</summary>
    public byte Version { get; } = Version;

    /// <summary>0 for genesis, then +1 per block.</summary>
    public ulong Height { get; } = Height;

    /// <summary>Hash of the block before (all zeros for genesis).</summary>
    public Hash256 PreviousHash { get; } = PreviousHash;

    /// <summary>Unix milliseconds, given by the host; never decreases.</summary>
    public ulong Timestamp { get; } = Timestamp;

    /// <summary>Number of transactions.</summary>
    public int TxCount { get; } = TxCount;

    /// <summary>RFC 6962 Merkle root of the transaction ids.</summary>
    public Hash256 TxRoot { get; } = TxRoot;

    /// <summary>World-state root after this block.</summary>
    public Hash256 StateRoot { get; } = StateRoot;

    /// <summary>RFC 6962 Merkle root of the receipt encodings.</summary>
    public Hash256 ReceiptsRoot { get; } = ReceiptsRoot;

    /// <summary>The node that made the block.</summary>
    public SigningPublicKey Proposer { get; } = Proposer;

    /// <summary>The proposer's signature over <see cref="SigningMessage"/>.</summary>
    public Signature64 Signature { get; } = Signature;

    /// <summary>The header version written by this code.</summary>
    public const byte CurrentVersion = 1;

    /// <summary>Most transactions a block may hold, whatever the policy says.</summary>
    public const int MaxTxCount = 1_000_000;

    private static readonly byte[] SigningDomain = "HealthLedger/block/v1"u8.ToArray();

    /// <summary>The block hash.</summary>
    public Hash256 Hash { get; } = Hashing.Sha256(WriteUnsigned(new CanonicalWriter(), Version, Height, PreviousHash, Timestamp, TxCount, TxRoot, StateRoot, ReceiptsRoot, Proposer).WrittenSpan);

    /// <summary>Canonical encoding with the signature.</summary>
    public byte[] Encode() =>
        WriteUnsigned(new CanonicalWriter(256), Version, Height, PreviousHash, Timestamp, TxCount, TxRoot, StateRoot, ReceiptsRoot, Proposer)
            .Signature(Signature).ToArray();

    /// <summary>The message the proposer signs.</summary>
    public static byte[] SigningMessage(string networkId, Hash256 blockHash) =>
        new CanonicalWriter(96).Raw(SigningDomain).Text(networkId).Hash(blockHash).ToArray();

    /// <summary>Makes and signs a header.</summary>
    public static BlockHeader Create(string networkId, ulong height, Hash256 previousHash, ulong timestamp, int txCount,
        Hash256 txRoot, Hash256 stateRoot, Hash256 receiptsRoot, SigningKeyPair proposer)
    {
        var unsigned = new BlockHeader(CurrentVersion, height, previousHash, timestamp, txCount, txRoot, stateRoot, receiptsRoot, proposer.PublicKey, default);
        var signature = proposer.Sign(SigningMessage(networkId, unsigned.Hash));
        return new BlockHeader(CurrentVersion, height, previousHash, timestamp, txCount, txRoot, stateRoot, receiptsRoot, proposer.PublicKey, signature);
    }

    /// <summary>True when the proposer's signature verifies.</summary>
    public bool VerifySignature(string networkId) => SigningKeyPair.Verify(Proposer, SigningMessage(networkId, Hash), Signature);

    /// <summary>Decodes a header.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out BlockHeader? header, out string? error)
    {
        header = null;
        var r = new CanonicalReader(data);
        if (r.U8(out var version) && version != CurrentVersion) r.Fail($"unsupported header version {version}");
        r.VarUInt(out var height);
        r.Hash(out var previous, "previous hash");
        r.VarUInt(out var timestamp);
        r.VarInt32(out var txCount, MaxTxCount, "transaction count");
        r.Hash(out var txRoot, "transaction root");
        r.Hash(out var stateRoot, "state root");
        r.Hash(out var receiptsRoot, "receipts root");
        r.Key(out SigningPublicKey proposer, "proposer");
        r.Signature(out var signature, "signature");
        if (!r.End())
        {
            error = r.Error;
            return false;
        }
        error = null;
        header = new BlockHeader(version, height, previous, timestamp, txCount, txRoot, stateRoot, receiptsRoot, proposer, signature);
        return true;
    }

    private static CanonicalWriter WriteUnsigned(CanonicalWriter w, byte version, ulong height, Hash256 previous, ulong timestamp,
        int txCount, Hash256 txRoot, Hash256 stateRoot, Hash256 receiptsRoot, SigningPublicKey proposer) =>
        w.U8(version).VarUInt(height).Hash(previous).VarUInt(timestamp).VarUInt((ulong)txCount)
            .Hash(txRoot).Hash(stateRoot).Hash(receiptsRoot).Key(proposer);
}
