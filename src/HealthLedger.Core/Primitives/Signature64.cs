namespace HealthLedger.Core.Primitives;

/// <summary>An Ed25519 signature (64 bytes).</summary>
public readonly record struct Signature64(Bytes32 R, Bytes32 S)
{
    /// <summary>The number of bytes.</summary>
    public const int Length = 64;

    /// <summary>Copies 64 bytes.</summary>
    public Signature64(ReadOnlySpan<byte> bytes) : this(new Bytes32(bytes[..32]), new Bytes32(bytes.Slice(32, 32)))
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"Expected {Length} bytes, got {bytes.Length}.", nameof(bytes));
        }
    }

    /// <summary>Writes the 64 bytes.</summary>
    public void CopyTo(Span<byte> destination)
    {
        R.CopyTo(destination);
        S.CopyTo(destination[32..]);
    }

    /// <summary>A new array with the 64 bytes.</summary>
    public byte[] ToArray()
    {
        var result = new byte[Length];
        CopyTo(result);
        return result;
    }

    /// <summary>Lower-case hex.</summary>
    public override string ToString() => R.ToString() + S.ToString();
}
