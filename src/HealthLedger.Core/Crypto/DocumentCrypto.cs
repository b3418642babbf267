using System.Buffers.Binary;
using System.Security.Cryptography;

namespace HealthLedger.Core.Crypto;

/// <summary>
/// Chunked AES-256-GCM for files too large to hold in memory (the STREAM construction of Hoang, Reyhanitabar, Rogaway
/// and Vizár): the file is cut into 64 KiB chunks; chunk i is sealed with nonce = prefix (7 random bytes) ‖ i (4 bytes,
/// big-endian) ‖ last-flag (1 byte), so chunks cannot be reordered, dropped or truncated unnoticed.
/// Layout: "HLD1" ‖ prefix (7) ‖ chunks (ciphertext ‖ 16-byte tag). Pure: the host runs the loop and the I/O.
/// </summary>
public static class DocumentCrypto
{
    /// <summary>Plaintext bytes per chunk.</summary>
    public const int ChunkSize = 64 * 1024;

    /// <summary>Tag bytes per chunk.</summary>
    public const int TagSize = 16;

    /// <summary>Nonce prefix bytes.</summary>
    public const int PrefixSize = 7;

    /// <summary>The header: magic and nonce prefix.</summary>
    public const int HeaderSize = 4 + PrefixSize;

    private static ReadOnlySpan<byte> Magic => "HLD1"u8;

    /// <summary>Writes the header for a host-supplied random prefix.</summary>
    public static void WriteHeader(Span<byte> header, ReadOnlySpan<byte> prefix)
    {
        Magic.CopyTo(header);
        prefix.CopyTo(header[4..]);
    }

    /// <summary>Reads the nonce prefix from a header; false when it is not a document.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> header, Span<byte> prefix)
    {
        if (header.Length < HeaderSize || !header[..4].SequenceEqual(Magic)) return false;
        header.Slice(4, PrefixSize).CopyTo(prefix);
        return true;
    }

    /// <summary>Seals chunk <paramref name="index"/> into <paramref name="output"/> (plaintext length + 16 bytes).</summary>
    public static void SealChunk(AesGcm aes, ReadOnlySpan<byte> prefix, uint index, bool last, ReadOnlySpan<byte> plaintext, Span<byte> output, ReadOnlySpan<byte> aad)
    {
        Span<byte> nonce = stackalloc byte[12];
        Nonce(prefix, index, last, nonce);
        aes.Encrypt(nonce, plaintext, output[..plaintext.Length], output.Slice(plaintext.Length, TagSize), aad);
    }

    /// <summary>Opens chunk <paramref name="index"/>; false when it was altered, moved or is not what <paramref name="last"/> says.</summary>
    public static bool TryOpenChunk(AesGcm aes, ReadOnlySpan<byte> prefix, uint index, bool last, ReadOnlySpan<byte> sealedChunk, Span<byte> plaintext, ReadOnlySpan<byte> aad)
    {
        if (sealedChunk.Length < TagSize) return false;
        Span<byte> nonce = stackalloc byte[12];
        Nonce(prefix, index, last, nonce);
        var length = sealedChunk.Length - TagSize;
        try
        {
            aes.Decrypt(nonce, sealedChunk[..length], sealedChunk[length..], plaintext[..length], aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    /// <summary>The ciphertext length of a plaintext of <paramref name="plaintextLength"/> bytes.</summary>
    public static long CiphertextLength(long plaintextLength) =>
        HeaderSize + plaintextLength + TagSize * Math.Max(1, (plaintextLength + ChunkSize - 1) / ChunkSize);

    private static void Nonce(ReadOnlySpan<byte> prefix, uint index, bool last, Span<byte> nonce)
    {
        prefix.CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[PrefixSize..], index);
        nonce[11] = last ? (byte)1 : (byte)0;
    }
}
