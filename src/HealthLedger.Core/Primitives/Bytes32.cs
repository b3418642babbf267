using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace HealthLedger.Core.Primitives;

/// <summary>
/// A fixed 32-byte value with value equality, a total byte-wise ordering and lower-case hex text.
/// The building block of <see cref="Hash256"/> and the public-key types.
/// </summary>
public readonly struct Bytes32 : IEquatable<Bytes32>, IComparable<Bytes32>
{
    /// <summary>The number of bytes.</summary>
    public const int Length = 32;

    private readonly ulong _a, _b, _c, _d; // big-endian words, so ordering by words is ordering by bytes

    /// <summary>Copies a 32-byte value.</summary>
    /// <exception cref="ArgumentException">The span is not exactly 32 bytes long.</exception>
    public Bytes32(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"Expected {Length} bytes, got {bytes.Length}.", nameof(bytes));
        }
        _a = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _b = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _c = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _d = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    /// <summary>All zero bytes.</summary>
    public static Bytes32 Zero => default;

    /// <summary>True when every byte is zero.</summary>
    public bool IsZero => (_a | _b | _c | _d) == 0;

    /// <summary>Writes the 32 bytes into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    /// <summary>Returns a new array with the 32 bytes.</summary>
    public byte[] ToArray()
    {
        var result = new byte[Length];
        CopyTo(result);
        return result;
    }

    /// <summary>Bit <paramref name="index"/> (0 = most significant bit of the first byte).</summary>
    public int GetBit(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, 256);
        var word = (index >> 6) switch { 0 => _a, 1 => _b, 2 => _c, _ => _d };
        return (int)((word >> (63 - (index & 63))) & 1);
    }

    /// <summary>Parses 64 hex digits (either case).</summary>
    public static bool TryParse([NotNullWhen(true)] string? hex, out Bytes32 value)
    {
        value = default;
        if (hex is null || hex.Length != Length * 2)
        {
            return false;
        }
        Span<byte> buffer = stackalloc byte[Length];
        if (Convert.FromHexString(hex, buffer, out _, out var written) != System.Buffers.OperationStatus.Done || written != Length)
        {
            return false;
        }
        value = new Bytes32(buffer);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(Bytes32 other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Bytes32 other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_a, _b, _c, _d);

    /// <inheritdoc/>
    public int CompareTo(Bytes32 other)
    {
        var c = _a.CompareTo(other._a);
        if (c != 0) return c;
        c = _b.CompareTo(other._b);
        if (c != 0) return c;
        c = _c.CompareTo(other._c);
        return c != 0 ? c : _d.CompareTo(other._d);
    }

    /// <summary>Lower-case hex, 64 characters.</summary>
    public override string ToString()
    {
        Span<byte> buffer = stackalloc byte[Length];
        CopyTo(buffer);
        return Convert.ToHexStringLower(buffer);
    }

    /// <summary>Equality.</summary>
    public static bool operator ==(Bytes32 left, Bytes32 right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(Bytes32 left, Bytes32 right) => !left.Equals(right);

    /// <summary>Ordering.</summary>
    public static bool operator <(Bytes32 left, Bytes32 right) => left.CompareTo(right) < 0;

    /// <summary>Ordering.</summary>
    public static bool operator >(Bytes32 left, Bytes32 right) => left.CompareTo(right) > 0;

    /// <summary>Ordering.</summary>
    public static bool operator <=(Bytes32 left, Bytes32 right) => left.CompareTo(right) <= 0;

    /// <summary>Ordering.</summary>
    public static bool operator >=(Bytes32 left, Bytes32 right) => left.CompareTo(right) >= 0;
}
