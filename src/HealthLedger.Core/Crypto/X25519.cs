using System.Runtime.InteropServices;

namespace HealthLedger.Core.Crypto;

/// <summary>
/// X25519 (RFC 7748 §5) on caller-owned buffers, through the libsodium NSec already loads: for the one-use ephemeral keys
/// of envelopes. NSec keeps every key and shared secret in guarded memory (<c>sodium_malloc</c>: its own pages, made
/// inaccessible around it with <c>mprotect</c>, unmapped at dispose), which is right for long-lived keys but cost a node
/// about 7% of its CPU for keys that live a few microseconds (perf, hospital mix; docs/benchmarks.md). Here the secret and
/// the shared value stay on the caller's stack and are wiped by the caller.
/// </summary>
internal static partial class X25519
{
    /// <summary>Length of a scalar, a public key and a shared value.</summary>
    public const int Length = 32;

    static X25519()
    {
        // Idempotent (0 first, 1 after; NSec has called it already); -1 only if libsodium cannot start.
        if (SodiumInit() < 0) throw new InvalidOperationException("libsodium could not be initialised.");
    }

    /// <summary>The public key of a 32-byte secret scalar (X25519(k, 9)).</summary>
    /// <exception cref="ArgumentException">A buffer is not 32 bytes.</exception>
    public static void PublicKey(ReadOnlySpan<byte> secret, Span<byte> publicKey)
    {
        if (secret.Length != Length || publicKey.Length != Length) throw new ArgumentException("X25519 keys are 32 bytes.");
        if (ScalarMultBase(publicKey, secret) != 0) throw new ArgumentException("The X25519 secret gives no public key.", nameof(secret));
    }

    /// <summary>
    /// X25519(secret, peer) into <paramref name="shared"/>; false when the result is all zero (a small-order peer key, as
    /// libsodium and NSec refuse it). The caller wipes <paramref name="shared"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A buffer is not 32 bytes.</exception>
    public static bool Agree(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> peer, Span<byte> shared)
    {
        if (secret.Length != Length || peer.Length != Length || shared.Length != Length) throw new ArgumentException("X25519 values are 32 bytes.");
        return ScalarMult(shared, secret, peer) == 0;
    }

    [LibraryImport("libsodium", EntryPoint = "sodium_init")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.AssemblyDirectory | DllImportSearchPath.SafeDirectories)]
    private static partial int SodiumInit();

    [LibraryImport("libsodium", EntryPoint = "crypto_scalarmult_curve25519")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.AssemblyDirectory | DllImportSearchPath.SafeDirectories)]
    private static partial int ScalarMult(Span<byte> q, ReadOnlySpan<byte> n, ReadOnlySpan<byte> p);

    [LibraryImport("libsodium", EntryPoint = "crypto_scalarmult_curve25519_base")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.AssemblyDirectory | DllImportSearchPath.SafeDirectories)]
    private static partial int ScalarMultBase(Span<byte> q, ReadOnlySpan<byte> n);
}
