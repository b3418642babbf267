using System.Diagnostics.CodeAnalysis;

namespace HealthLedger.Core.Primitives;

/// <summary>A SHA-256 digest: block hashes, transaction ids, Merkle and state roots.</summary>
public readonly record struct Hash256(Bytes32 Value) : IComparable<Hash256>
{
    /// <summary>Copies 32 bytes.</summary>
    public Hash256(ReadOnlySpan<byte> bytes) : this(new Bytes32(bytes)) { }

    /// <summary>The all-zero value.</summary>
    public static Hash256 Zero => default;

    /// <summary>True when every byte is zero.</summary>
    public bool IsZero => Value.IsZero;

    /// <summary>Writes the 32 bytes.</summary>
    public void CopyTo(Span<byte> destination) => Value.CopyTo(destination);

    /// <summary>A new array with the 32 bytes.</summary>
    public byte[] ToArray() => Value.ToArray();

    /// <summary>Parses 64 hex digits.</summary>
    public static bool TryParse([NotNullWhen(true)] string? hex, out Hash256 value)
    {
        var ok = Bytes32.TryParse(hex, out var raw);
        value = new Hash256(raw);
        return ok;
    }

    /// <summary>Parses 64 hex digits or throws <see cref="FormatException"/>.</summary>
    public static Hash256 Parse(string hex) =>
        TryParse(hex, out var value) ? value : throw new FormatException("Expected 64 hex digits.");

    /// <inheritdoc/>
    public int CompareTo(Hash256 other) => Value.CompareTo(other.Value);

    /// <summary>Lower-case hex.</summary>
    public override string ToString() => Value.ToString();
}
