using System.Buffers;
using System.Globalization;
using Grpc.Core;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Node.Network;

/// <summary>
/// The signed handshake every peer call carries: metadata naming the network, the calling node's key, the time, a random
/// nonce and an Ed25519 signature by that node key over <c>domain ‖ network id ‖ method ‖ key ‖ time ‖ nonce</c>. The
/// peer endpoint serves a call only from a node whose key is in a <c>node/&lt;id&gt;</c> record of its state, signed
/// within <see cref="MaxSkew"/> of its own clock, with a nonce it has not seen (see <see cref="PeerAuthenticator"/>).
/// </summary>
public static class PeerCallAuth
{
    /// <summary>The network id the caller signed for.</summary>
    public const string NetworkHeader = "hl-network";

    /// <summary>The calling node's Ed25519 public key (hex).</summary>
    public const string KeyHeader = "hl-node-key";

    /// <summary>When the call was signed (Unix milliseconds, decimal).</summary>
    public const string TimeHeader = "hl-time";

    /// <summary>16 random bytes (hex), never reused.</summary>
    public const string NonceHeader = "hl-nonce";

    /// <summary>The Ed25519 signature (hex) over <see cref="SigningMessage"/>.</summary>
    public const string SignatureHeader = "hl-signature";

    /// <summary>Nonce length in bytes.</summary>
    public const int NonceBytes = 16;

    /// <summary>Largest accepted difference between the caller's and this node's clocks.</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(2);

    private static readonly byte[] Domain = "HealthLedger/peer-call/v1"u8.ToArray();

    /// <summary>The bytes a node signs for one call.</summary>
    public static byte[] SigningMessage(string networkId, string method, SigningPublicKey key, long unixMilliseconds, ReadOnlySpan<byte> nonce) =>
        new CanonicalWriter(128).Raw(Domain).Text(networkId).Text(method).Key(key).VarUInt((ulong)unixMilliseconds).Bytes(nonce).ToArray();

    /// <summary>The handshake headers for a call of <paramref name="method"/> (a gRPC full method name, e.g. <c>/healthledger.peer.v1.Peer/Status</c>).</summary>
    public static Metadata Sign(Metadata? headers, string networkId, string method, SigningKeyPair key, DateTimeOffset now)
    {
        var signed = new Metadata();
        if (headers is not null) foreach (var entry in headers) signed.Add(entry);
        var nonce = System.Security.Cryptography.RandomNumberGenerator.GetBytes(NonceBytes);
        var time = now.ToUnixTimeMilliseconds();
        var signature = key.Sign(SigningMessage(networkId, method, key.PublicKey, time, nonce));
        signed.Add(NetworkHeader, networkId);
        signed.Add(KeyHeader, key.PublicKey.ToString());
        signed.Add(TimeHeader, time.ToString(CultureInfo.InvariantCulture));
        signed.Add(NonceHeader, Convert.ToHexStringLower(nonce));
        signed.Add(SignatureHeader, signature.ToString());
        return signed;
    }

    /// <summary>Decodes hex into exactly <paramref name="length"/> bytes, or null.</summary>
    internal static byte[]? FromHex(string? hex, int length)
    {
        if (hex is null || hex.Length != length * 2) return null;
        var bytes = new byte[length];
        return Convert.FromHexString(hex, bytes, out _, out var written) == OperationStatus.Done && written == length ? bytes : null;
    }
}
