using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace HealthLedger.Core.Crypto;

/// <summary>
/// SHA-256 (FIPS 180-4) through OpenSSL's own digest functions (<c>SHA256_Init</c>, <c>SHA256_Update</c>, <c>SHA256_Final</c>
/// of <c>libcrypto.so.3</c>, the library .NET's <see cref="SHA256"/> itself uses on Linux), called directly with the context
/// on the stack. .NET reaches the same code through OpenSSL 3's EVP interface, whose fetch and context per call cost about
/// 650 ns against the ~100 ns of hashing the 65 bytes of a Merkle node (SHA-NI): this path takes ~300 ns, and the state tree,
/// the transaction ids and the Merkle roots hash millions of such inputs (docs/benchmarks.md, "SHA-256 without OpenSSL 3's
/// per-call fetch").
/// <para>
/// Used only when the library and the three functions are found and hash two known answers (FIPS 180-4's "abc" and a
/// two-block input) as <see cref="SHA256"/> does; otherwise (another OS, a libcrypto without them) <see cref="Available"/> is
/// false and <see cref="Hashing"/> uses <see cref="SHA256"/>. The digest is the same either way.
/// </para>
/// </summary>
internal static unsafe class LibcryptoSha256
{
    // OpenSSL's SHA256_CTX is 112 bytes (eight 32-bit state words, two 32-bit length words, a 64-byte block, two counters).
    private const int ContextBytes = 128;

    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<byte*, int> Init;
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<byte*, byte*, nuint, int> Update;
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<byte*, byte*, int> Final;

    /// <summary>True when <see cref="Hash"/> may be called: the functions were found and gave the known answers.</summary>
    public static bool Available { get; }

    static LibcryptoSha256()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libcrypto.so.3", typeof(LibcryptoSha256).Assembly, DllImportSearchPath.SafeDirectories, out var library)) return;
        if (!NativeLibrary.TryGetExport(library, "SHA256_Init", out var init) || !NativeLibrary.TryGetExport(library, "SHA256_Update", out var update)
            || !NativeLibrary.TryGetExport(library, "SHA256_Final", out var final))
        {
            return;
        }
        Init = (delegate* unmanaged[Cdecl, SuppressGCTransition]<byte*, int>)init;
        Update = (delegate* unmanaged[Cdecl, SuppressGCTransition]<byte*, byte*, nuint, int>)update;
        Final = (delegate* unmanaged[Cdecl, SuppressGCTransition]<byte*, byte*, int>)final;
        try
        {
            Available = KnownAnswers();
        }
        catch (CryptographicException)
        {
            Available = false; // the library failed a known answer's call: .NET's SHA-256 is used
        }
    }

    /// <summary>SHA-256 of <paramref name="prefix"/> followed by <paramref name="data"/> into <paramref name="digest"/> (32 bytes).</summary>
    /// <exception cref="CryptographicException">The library reported a failure.</exception>
    public static void Hash(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> data, Span<byte> digest)
    {
        if (digest.Length < 32) throw new ArgumentException("A SHA-256 digest is 32 bytes.", nameof(digest));
        var context = stackalloc byte[ContextBytes];
        fixed (byte* p = prefix)
        fixed (byte* d = data)
        fixed (byte* md = digest)
        {
            // SuppressGCTransition: each call is short and never blocks (the runtime's guidance: under 1 µs); a long input is
            // fed in 1 KiB slices (~0.8 µs each: 16 blocks of ~50 ns) so that no call keeps the thread from a collection longer.
            var ok = Init(context) == 1 && (prefix.IsEmpty || Update(context, p, (nuint)prefix.Length) == 1);
            for (var at = 0; ok && at < data.Length; at += SliceBytes) ok = Update(context, d + at, (nuint)Math.Min(SliceBytes, data.Length - at)) == 1;
            if (!(Final(md, context) == 1 && ok)) throw new CryptographicException("OpenSSL's SHA-256 failed.");
        }
    }

    private const int SliceBytes = 1024;

    private static bool KnownAnswers()
    {
        Span<byte> ours = stackalloc byte[32];
        Span<byte> theirs = stackalloc byte[32];
        var twoBlocks = new byte[65];
        for (var i = 0; i < twoBlocks.Length; i++) twoBlocks[i] = (byte)(i * 7 + 1);
        foreach (var (prefix, data) in new (byte[], byte[])[] { ([], "abc"u8.ToArray()), ([0x01], twoBlocks), ([], new byte[SliceBytes + 100]) })
        {
            Hash(prefix, data, ours);
            SHA256.HashData([.. prefix, .. data], theirs);
            if (!ours.SequenceEqual(theirs)) return false;
        }
        return true;
    }
}
