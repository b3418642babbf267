using System.Text;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Encoding;

/// <summary>
/// Reads the canonical encoding written by <see cref="CanonicalWriter"/> and refuses anything that is
/// not the one canonical form: over-long integers, lengths past the end or over a limit, invalid UTF-8,
/// booleans other than 0 or 1. After the first failure every read fails and <see cref="Error"/> says why.
/// </summary>
public ref struct CanonicalReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    /// <summary>Starts reading at the first byte.</summary>
    public CanonicalReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
        Error = null;
    }

    /// <summary>Why reading failed, or null while every read succeeded.</summary>
    public string? Error { get; private set; }

    /// <summary>The read position.</summary>
    public readonly int Position => _position;

    /// <summary>Bytes not yet read.</summary>
    public readonly int Remaining => _data.Length - _position;

    /// <summary>True when nothing failed and every byte was consumed.</summary>
    public bool End()
    {
        if (Error is null && _position != _data.Length)
        {
            Error = $"{_data.Length - _position} unexpected trailing byte(s)";
        }
        return Error is null;
    }

    /// <summary>Records a failure found by the caller (e.g. a field out of range).</summary>
    public bool Fail(string error)
    {
        Error ??= error;
        return false;
    }

    /// <summary>Reads one byte.</summary>
    public bool U8(out byte value)
    {
        value = 0;
        if (!Ensure(1, "byte")) return false;
        value = _data[_position++];
        return true;
    }

    /// <summary>Reads a boolean (0 or 1 only).</summary>
    public bool Bool(out bool value)
    {
        value = false;
        if (!U8(out var b)) return false;
        if (b > 1) return Fail($"boolean must be 0 or 1, got {b}");
        value = b == 1;
        return true;
    }

    /// <summary>Reads a shortest-form LEB128 unsigned integer.</summary>
    public bool VarUInt(out ulong value)
    {
        value = 0;
        if (Error is not null) return false;
        var shift = 0;
        for (var i = 0; i < 10; i++)
        {
            if (_position >= _data.Length) return Fail("integer runs past the end");
            var b = _data[_position++];
            if (i == 9 && b > 1) return Fail("integer overflows 64 bits");
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 0) return Fail("integer is not in its shortest form");
                return true;
            }
            shift += 7;
        }
        return Fail("integer overflows 64 bits");
    }

    /// <summary>Reads an unsigned integer no larger than <paramref name="max"/>.</summary>
    public bool VarUInt(out ulong value, ulong max, string field)
    {
        if (!VarUInt(out value)) return false;
        return value <= max || Fail($"{field} {value} exceeds the limit {max}");
    }

    /// <summary>Reads a non-negative 32-bit integer no larger than <paramref name="max"/>.</summary>
    public bool VarInt32(out int value, int max, string field)
    {
        value = 0;
        if (!VarUInt(out var v, (ulong)max, field)) return false;
        value = (int)v;
        return true;
    }

    /// <summary>Reads a length-prefixed byte string of at most <paramref name="maxLength"/> bytes.</summary>
    public bool Bytes(out ReadOnlySpan<byte> value, int maxLength, string field)
    {
        value = default;
        if (!VarInt32(out var length, maxLength, field + " length")) return false;
        if (!Ensure(length, field)) return false;
        value = _data.Slice(_position, length);
        _position += length;
        return true;
    }

    /// <summary>Skips <paramref name="count"/> bytes.</summary>
    public bool Skip(int count, string field)
    {
        if (!Ensure(count, field)) return false;
        _position += count;
        return true;
    }

    /// <summary>Reads length-prefixed UTF-8 text of at most <paramref name="maxBytes"/> bytes.</summary>
    public bool Text(out string value, int maxBytes, string field)
    {
        value = string.Empty;
        if (!Bytes(out var raw, maxBytes, field)) return false;
        try
        {
            value = StrictUtf8.GetString(raw);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return Fail($"{field} is not valid UTF-8");
        }
    }

    /// <summary>Reads 32 bytes.</summary>
    public bool Fixed(out Bytes32 value, string field)
    {
        value = default;
        if (!Ensure(Bytes32.Length, field)) return false;
        value = new Bytes32(_data.Slice(_position, Bytes32.Length));
        _position += Bytes32.Length;
        return true;
    }

    /// <summary>Reads exactly <paramref name="length"/> raw bytes (a fixed-size field).</summary>
    public bool FixedBytes(int length, string field, out byte[] value)
    {
        value = [];
        if (!Ensure(length, field)) return false;
        value = _data.Slice(_position, length).ToArray();
        _position += length;
        return true;
    }

    /// <summary>Reads a hash.</summary>
    public bool Hash(out Hash256 value, string field)
    {
        var ok = Fixed(out var raw, field);
        value = new Hash256(raw);
        return ok;
    }

    /// <summary>Reads a signing key.</summary>
    public bool Key(out SigningPublicKey value, string field)
    {
        var ok = Fixed(out var raw, field);
        value = new SigningPublicKey(raw);
        return ok;
    }

    /// <summary>Reads an encryption key.</summary>
    public bool Key(out EncryptionPublicKey value, string field)
    {
        var ok = Fixed(out var raw, field);
        value = new EncryptionPublicKey(raw);
        return ok;
    }

    /// <summary>Reads a signature.</summary>
    public bool Signature(out Signature64 value, string field)
    {
        value = default;
        if (!Ensure(Signature64.Length, field)) return false;
        value = new Signature64(_data.Slice(_position, Signature64.Length));
        _position += Signature64.Length;
        return true;
    }

    private bool Ensure(int count, string field)
    {
        if (Error is not null) return false;
        return _data.Length - _position >= count || Fail($"{field} runs past the end");
    }
}
