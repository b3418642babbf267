using System.Buffers;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Encoding;

/// <summary>
/// Writes HealthLedger's canonical binary encoding: unsigned LEB128 integers in their shortest form,
/// length-prefixed byte strings and UTF-8 text, fixed-size hashes, keys and signatures.
/// Every value has exactly one encoding, so hashes and signatures over it are well defined.
/// </summary>
public sealed class CanonicalWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;

    /// <summary>Creates a writer with an initial capacity.</summary>
    public CanonicalWriter(int initialCapacity = 256) => _buffer = new ArrayBufferWriter<byte>(initialCapacity);

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    /// <summary>The number of bytes written so far.</summary>
    public int Length => _buffer.WrittenCount;

    /// <summary>A copy of the bytes written so far.</summary>
    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    /// <summary>Writes one byte.</summary>
    public CanonicalWriter U8(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
        return this;
    }

    /// <summary>Writes a boolean as 0 or 1.</summary>
    public CanonicalWriter Bool(bool value) => U8(value ? (byte)1 : (byte)0);

    /// <summary>Writes an unsigned integer as shortest-form LEB128 (1 to 10 bytes).</summary>
    public CanonicalWriter VarUInt(ulong value)
    {
        var span = _buffer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        _buffer.Advance(i);
        return this;
    }

    /// <summary>Writes raw bytes with no length prefix (fixed-size fields only).</summary>
    public CanonicalWriter Raw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer.GetSpan(bytes.Length));
        _buffer.Advance(bytes.Length);
        return this;
    }

    /// <summary>Writes a length-prefixed byte string.</summary>
    public CanonicalWriter Bytes(ReadOnlySpan<byte> bytes) => VarUInt((ulong)bytes.Length).Raw(bytes);

    /// <summary>Writes length-prefixed UTF-8 text.</summary>
    public CanonicalWriter Text(string value)
    {
        var count = System.Text.Encoding.UTF8.GetByteCount(value);
        VarUInt((ulong)count);
        var written = System.Text.Encoding.UTF8.GetBytes(value, _buffer.GetSpan(count));
        _buffer.Advance(written);
        return this;
    }

    /// <summary>Writes 32 bytes.</summary>
    public CanonicalWriter Fixed(Bytes32 value)
    {
        value.CopyTo(_buffer.GetSpan(Bytes32.Length));
        _buffer.Advance(Bytes32.Length);
        return this;
    }

    /// <summary>Writes a hash.</summary>
    public CanonicalWriter Hash(Hash256 value) => Fixed(value.Value);

    /// <summary>Writes a signing key.</summary>
    public CanonicalWriter Key(SigningPublicKey value) => Fixed(value.Value);

    /// <summary>Writes an encryption key.</summary>
    public CanonicalWriter Key(EncryptionPublicKey value) => Fixed(value.Value);

    /// <summary>Writes a signature.</summary>
    public CanonicalWriter Signature(Signature64 value)
    {
        value.CopyTo(_buffer.GetSpan(Signature64.Length));
        _buffer.Advance(Signature64.Length);
        return this;
    }
}
