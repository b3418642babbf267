using System.Security.Cryptography;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Crypto;

/// <summary>SHA-256 helpers that return <see cref="Hash256"/>.</summary>
public static class Hashing
{
    private const int OneShotLimit = 4096;

    /// <summary>SHA-256 of <paramref name="data"/>.</summary>
    public static Hash256 Sha256(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[32];
        if (LibcryptoSha256.Available) LibcryptoSha256.Hash([], data, digest);
        else SHA256.HashData(data, digest);
        return new Hash256(digest);
    }

    /// <summary>SHA-256 of a one-byte domain prefix followed by <paramref name="data"/>.</summary>
    public static Hash256 Sha256(byte prefix, ReadOnlySpan<byte> data)
    {
        if (LibcryptoSha256.Available)
        {
            Span<byte> native = stackalloc byte[32];
            LibcryptoSha256.Hash([prefix], data, native);
            return new Hash256(native);
        }
        // Small inputs (Merkle leaves: a transaction or a receipt) in one call on the stack: an incremental hash costs a
        // digest context allocated and freed in the native library, and its safe handle, per call.
        if (data.Length < OneShotLimit)
        {
            Span<byte> buffer = stackalloc byte[data.Length + 1];
            buffer[0] = prefix;
            data.CopyTo(buffer[1..]);
            return Sha256(buffer);
        }
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData([prefix]);
        h.AppendData(data);
        Span<byte> digest = stackalloc byte[32];
        h.GetHashAndReset(digest);
        return new Hash256(digest);
    }

    /// <summary>SHA-256 of <c>prefix || a || b</c> (Merkle inner nodes).</summary>
    public static Hash256 Sha256(byte prefix, Hash256 a, Hash256 b)
    {
        Span<byte> buffer = stackalloc byte[65];
        buffer[0] = prefix;
        a.CopyTo(buffer[1..]);
        b.CopyTo(buffer[33..]);
        return Sha256(buffer);
    }
}
