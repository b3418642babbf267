using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Consensus;

/// <summary>
/// A signed consensus message. Encoding v1: <c>version · type · height · round · value hash (32, zeros = nil) ·
/// valid round + 1 · value (length-prefixed; proposals only) · sender (32) · signature (64)</c>. The sender signs
/// <c>"HealthLedger/consensus/v1" · network id · everything before the signature</c>.
/// </summary>
public sealed record ConsensusMessage(MessageType Type, ulong Height, int Round, Hash256 ValueHash, int ValidRound, byte[] Value,
    SigningPublicKey Sender, Signature64 Signature)
{
    private const byte Version = 1;
    private static readonly byte[] Domain = "HealthLedger/consensus/v1"u8.ToArray();

    /// <summary>Largest value (block) a proposal may carry.</summary>
    public const int MaxValueBytes = 64 * 1024 * 1024;

    /// <summary>True for a vote for nil.</summary>
    public bool IsNil => ValueHash.IsZero;

    /// <summary>Makes and signs a message.</summary>
    public static ConsensusMessage Create(string networkId, SigningKeyPair signer, MessageType type, ulong height, int round, Hash256 valueHash, int validRound, byte[]? value)
    {
        value ??= [];
        var unsigned = new ConsensusMessage(type, height, round, valueHash, validRound, value, signer.PublicKey, default);
        return unsigned with { Signature = signer.Sign(SigningMessage(networkId, unsigned)) };
    }

    /// <summary>True when the signature verifies for <see cref="Sender"/>.</summary>
    public bool VerifySignature(string networkId) => SigningKeyPair.Verify(Sender, SigningMessage(networkId, this), Signature);

    /// <summary>Canonical encoding.</summary>
    public byte[] Encode() => WriteUnsigned(new CanonicalWriter(128 + Value.Length), this).Signature(Signature).ToArray();

    /// <summary>Decodes a message; null when the bytes are not one canonical message.</summary>
    public static ConsensusMessage? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (!r.U8(out var version) || version != Version) return null;
        r.U8(out var type);
        r.VarUInt(out var height);
        r.VarInt32(out var round, 1_000_000, "round");
        r.Hash(out var hash, "value hash");
        r.VarInt32(out var validRoundPlusOne, 1_000_001, "valid round");
        r.Bytes(out var value, MaxValueBytes, "value");
        r.Key(out SigningPublicKey sender, "sender");
        r.Signature(out var signature, "signature");
        if (!r.End() || !Enum.IsDefined((MessageType)type)) return null;
        return new ConsensusMessage((MessageType)type, height, round, hash, validRoundPlusOne - 1, value.ToArray(), sender, signature);
    }

    internal static byte[] SigningMessage(string networkId, ConsensusMessage m) =>
        WriteUnsigned(new CanonicalWriter(128 + m.Value.Length).Raw(Domain).Text(networkId), m).ToArray();

    private static CanonicalWriter WriteUnsigned(CanonicalWriter w, ConsensusMessage m) =>
        w.U8(Version).U8((byte)m.Type).VarUInt(m.Height).VarUInt((ulong)m.Round).Hash(m.ValueHash).VarUInt((ulong)(m.ValidRound + 1)).Bytes(m.Value).Key(m.Sender);
}
