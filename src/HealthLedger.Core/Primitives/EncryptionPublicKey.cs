using System.Diagnostics.CodeAnalysis;

namespace HealthLedger.Core.Primitives;

/// <summary>An X25519 public key (32 bytes) to which data keys are wrapped.</summary>
public readonly record struct EncryptionPublicKey(Bytes32 Value) : IComparable<EncryptionPublicKey>
{
    /// <summary>Copies 32 bytes.</summary>
    public EncryptionPublicKey(ReadOnlySpan<byte> bytes) : this(new Bytes32(bytes)) { }

    /// <summary>The all-zero value.</summary>
    public static EncryptionPublicKey Zero => default;

    /// <summary>True when every byte is zero.</summary>
    public bool IsZero => Value.IsZero;

    /// <summary>Writes the 32 bytes.</summary>
    public void CopyTo(Span<byte> destination) => Value.CopyTo(destination);

    /// <summary>A new array with the 32 bytes.</summary>
    public byte[] ToArray() => Value.ToArray();

    /// <summary>Parses 64 hex digits.</summary>
    public static bool TryParse([NotNullWhen(true)] string? hex, out EncryptionPublicKey value)
    {
        var ok = Bytes32.TryParse(hex, out var raw);
        value = new EncryptionPublicKey(raw);
        return ok;
    }

    /// <summary>Parses 64 hex digits or throws <see cref="FormatException"/>.</summary>
    public static EncryptionPublicKey Parse(string hex) =>
        TryParse(hex, out var value) ? value : throw new FormatException("Expected 64 hex digits.");

    /// <inheritdoc/>
    public int CompareTo(EncryptionPublicKey other) => Value.CompareTo(other.Value);

    /// <summary>Lower-case hex.</summary>
    public override string ToString() => Value.ToString();
}
