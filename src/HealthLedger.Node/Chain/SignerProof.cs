using System.Globalization;
using System.Text;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Node.Chain;

/// <summary>
/// Proof that the caller holds a signing key, for <c>GET /api/v1/ledger/signers/{key}</c> without a session: the header
/// <see cref="Header"/> carries <c>&lt;unix ms&gt;.&lt;Ed25519 signature, hex&gt;</c> over
/// <c>"healthledger signer query v1\n&lt;key&gt;\n&lt;unix ms&gt;"</c>, accepted within <see cref="MaxSkew"/> of the node's clock.
/// Clients that sign their own transactions (<c>healthledger load</c>, the benchmark) learn their nonce with it.
/// </summary>
public static class SignerProof
{
    /// <summary>The request header.</summary>
    public const string Header = "X-Signer-Proof";

    /// <summary>How far the proof's time may be from the node's clock.</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(5);

    /// <summary>The header value proving <paramref name="key"/> at <paramref name="now"/>.</summary>
    public static string Create(SigningKeyPair key, DateTimeOffset now)
    {
        var ms = now.ToUnixTimeMilliseconds();
        return ms.ToString(CultureInfo.InvariantCulture) + "." + key.Sign(Message(key.PublicKey, ms));
    }

    /// <summary>True when <paramref name="value"/> is a proof by <paramref name="key"/> made within <see cref="MaxSkew"/> of <paramref name="now"/>.</summary>
    public static bool IsValid(SigningPublicKey key, string? value, DateTimeOffset now)
    {
        if (value is null || value.Split('.') is not [var time, var hex]) return false;
        if (!long.TryParse(time, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || hex.Length != Signature64.Length * 2) return false;
        if (Math.Abs(now.ToUnixTimeMilliseconds() - ms) > MaxSkew.TotalMilliseconds) return false;
        byte[] signature;
        try
        {
            signature = Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return false;
        }
        return SigningKeyPair.Verify(key, Message(key, ms), new Signature64(signature));
    }

    private static byte[] Message(SigningPublicKey key, long ms) => Encoding.UTF8.GetBytes($"healthledger signer query v1\n{key}\n{ms.ToString(CultureInfo.InvariantCulture)}");
}
