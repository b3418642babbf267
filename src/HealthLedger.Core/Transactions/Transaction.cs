using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Transactions;

/// <summary>
/// A signed transaction. Encoding (version 1):
/// <c>version u8 · kind u8 · signer (32) · nonce (LEB128) · payload (length-prefixed) · signature (64)</c>;
/// version 2, a transaction carrying out a client request that may be sent again (<see cref="RequestMarker"/>), has the
/// request (32) and the attempt (32) after the nonce. Version 1 is written whenever there is no marker, so chains made before
/// version 2 decode and execute as they did.
/// The signer signs <c>"HealthLedger/tx/v1" || network id || everything before the signature</c> (the version byte
/// included), so a signature is valid on one network only. The id is SHA-256 of the whole encoding.
/// </summary>
public sealed class Transaction
{
    /// <summary>The encoding version written by this code for a transaction without a <see cref="RequestMarker"/>.</summary>
    public const byte CurrentVersion = 1;

    /// <summary>The encoding version of a transaction carrying a <see cref="RequestMarker"/>.</summary>
    public const byte MarkedVersion = 2;

    private static readonly byte[] SigningDomain = "HealthLedger/tx/v1"u8.ToArray();

    private Transaction(TxKind kind, SigningPublicKey signer, ulong nonce, TxPayload payload, Signature64 signature, byte[] encoded, RequestMarker? request)
    {
        Request = request;
        Kind = kind;
        Signer = signer;
        Nonce = nonce;
        Payload = payload;
        Signature = signature;
        Encoded = encoded;
        Id = Hashing.Sha256(encoded);
    }

    /// <summary>The client request this transaction carries out, when it may be sent again (version 2); else null.</summary>
    public RequestMarker? Request { get; }

    /// <summary>The kind.</summary>
    public TxKind Kind { get; }

    /// <summary>Who signed it.</summary>
    public SigningPublicKey Signer { get; }

    /// <summary>Must exceed the signer's last used nonce.</summary>
    public ulong Nonce { get; }

    /// <summary>The kind-specific body.</summary>
    public TxPayload Payload { get; }

    /// <summary>The signer's Ed25519 signature.</summary>
    public Signature64 Signature { get; }

    /// <summary>The canonical encoding.</summary>
    public ReadOnlyMemory<byte> Encoded { get; }

    /// <summary>SHA-256 of <see cref="Encoded"/>.</summary>
    public Hash256 Id { get; }

    /// <summary>Builds and signs a transaction; with <paramref name="request"/>, one of version 2 carrying it.</summary>
    public static Transaction Create(string networkId, SigningKeyPair signer, ulong nonce, TxPayload payload, RequestMarker? request = null)
    {
        var w = WriteUnsigned(new CanonicalWriter(256), signer.PublicKey, nonce, payload, request);
        var signature = signer.Sign(SigningMessage(networkId, w.WrittenSpan));
        var encoded = w.Signature(signature).ToArray();
        return new Transaction(payload.Kind, signer.PublicKey, nonce, payload, signature, encoded, request);
    }

    /// <summary>True when the signature verifies over this network's signing message.</summary>
    public bool VerifySignature(string networkId) =>
        SigningKeyPair.Verify(Signer, SigningMessage(networkId, Encoded.Span[..^Signature64.Length]), Signature);

    /// <summary>
    /// Decodes a transaction and checks everything that needs no state except the signature:
    /// size, version, kind, canonical encoding and payload fields.
    /// </summary>
    public static TxResult TryDecode(ReadOnlySpan<byte> data, int maxBytes, out Transaction? transaction)
    {
        transaction = null;
        if (data.Length > maxBytes)
        {
            return TxResult.Reject(TxVerdict.TooLarge, $"transaction is {data.Length} bytes; the limit is {maxBytes}");
        }
        var r = new CanonicalReader(data);
        if (!r.U8(out var version)) return TxResult.Reject(TxVerdict.Malformed, "empty transaction");
        if (version is not (CurrentVersion or MarkedVersion))
        {
            return TxResult.Reject(TxVerdict.UnsupportedVersion, $"transaction version {version} is not supported (expected {CurrentVersion} or {MarkedVersion})");
        }
        if (!r.U8(out var kindByte)) return TxResult.Reject(TxVerdict.Malformed, r.Error!);
        if (!TxKinds.TryGet((TxKind)kindByte, out var handler))
        {
            return TxResult.Reject(TxVerdict.UnknownKind, $"transaction kind {kindByte} is not known");
        }
        r.Key(out SigningPublicKey signer, "signer");
        r.VarUInt(out var nonce);
        RequestMarker? request = null;
        if (version == MarkedVersion && r.Hash(out var named, "request") && r.Hash(out var attempt, "attempt")) request = new RequestMarker(named, attempt);
        r.Bytes(out var payloadBytes, maxBytes, "payload");
        r.Signature(out var signature, "signature");
        if (!r.End()) return TxResult.Reject(TxVerdict.Malformed, r.Error!);
        if (nonce == 0) return TxResult.Reject(TxVerdict.BadNonce, "nonce must be at least 1");

        var decoded = handler.Decode(payloadBytes);
        if (!decoded.Result.IsOk) return decoded.Result;
        transaction = new Transaction(handler.Kind, signer, nonce, decoded.Payload!, signature, data.ToArray(), request);
        return TxResult.Ok;
    }

    private static CanonicalWriter WriteUnsigned(CanonicalWriter w, SigningPublicKey signer, ulong nonce, TxPayload payload, RequestMarker? request)
    {
        var body = new CanonicalWriter(128);
        payload.Write(body);
        w.U8(request is null ? CurrentVersion : MarkedVersion).U8((byte)payload.Kind).Key(signer).VarUInt(nonce);
        if (request is { } marked) w.Hash(marked.Request).Hash(marked.Attempt);
        return w.Bytes(body.WrittenSpan);
    }

    internal static byte[] SigningMessage(string networkId, ReadOnlySpan<byte> unsigned) =>
        new CanonicalWriter(unsigned.Length + 64).Raw(SigningDomain).Text(networkId).Raw(unsigned).ToArray();
}
