using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;

namespace HealthLedger.Core.Records;

/// <summary>
/// A record's data key wrapped under its patient's category key (<see cref="CategoryKeyCrypto"/>) instead of per-reader
/// X25519 envelopes. When <see cref="NewEpoch"/> is not empty the record also opens the category's next key epoch: the
/// new category key wrapped for each of its readers (the writer made it because there was none yet, or because a reader
/// of the current one lost access).
/// </summary>
/// <param name="PatientId">The patient whose category key it is.</param>
/// <param name="Category">The single consent category.</param>
/// <param name="Epoch">The category key's epoch (1, 2, …).</param>
/// <param name="WrappedKey">The data key wrapped under the category key (<see cref="CategoryKeyCrypto.WrappedLength"/> bytes).</param>
/// <param name="NewEpoch">The readers of epoch <paramref name="Epoch"/> when this record opens it; empty otherwise.</param>
/// <param name="PreviousKey">When this record opens epoch <paramref name="Epoch"/> ≥ 2: the key of the epoch before, sealed under the new
/// key (<see cref="CategoryKeyCrypto.SealPreviousKey"/>, <see cref="CategoryKeyCrypto.WrappedLength"/> bytes), or null when the writer
/// could not open it (a chain with a gap: a grant then wraps the epoch before the gap itself).</param>
public sealed record CategoryKeyWrap(string PatientId, ConsentCategories Category, int Epoch, byte[] WrappedKey, IReadOnlyList<CategoryKeyReader> NewEpoch,
    byte[]? PreviousKey = null)
{
    /// <summary>Most readers of one epoch.</summary>
    public const int MaxReaders = 64;

    /// <summary>Highest epoch.</summary>
    public const int MaxEpoch = 1_000_000;

    /// <summary>The associated data that binds <see cref="WrappedKey"/> to its record version.</summary>
    public byte[] Aad(string recordId, int version) => CategoryKeyCrypto.DataKeyAad(PatientId, (byte)Category, Epoch, recordId, version);

    /// <summary>Writes the wrap (<see cref="PreviousKey"/> after the readers when there is one: the enclosing reference's tag says so).</summary>
    public void Write(CanonicalWriter w)
    {
        w.Text(PatientId).U8((byte)Category).VarUInt((ulong)Epoch).Raw(WrappedKey).VarUInt((ulong)NewEpoch.Count);
        foreach (var reader in NewEpoch) reader.Write(w);
        if (PreviousKey is not null) w.Raw(PreviousKey);
    }

    /// <summary>Reads a wrap; <paramref name="withPreviousKey"/> when its reference's tag says a previous epoch's key follows the readers.</summary>
    public static bool TryRead(ref CanonicalReader r, out CategoryKeyWrap wrap, bool withPreviousKey)
    {
        if (!TryRead(ref r, out wrap)) return false;
        if (!withPreviousKey) return true;
        if (!r.FixedBytes(CategoryKeyCrypto.WrappedLength, "previous epoch's key", out var previous)) return false;
        wrap = wrap with { PreviousKey = previous };
        return true;
    }

    /// <summary>Reads a wrap without a previous epoch's key.</summary>
    public static bool TryRead(ref CanonicalReader r, out CategoryKeyWrap wrap)
    {
        wrap = null!;
        if (!r.Text(out var patient, Identifiers.MaxLength, "key patient") || !r.U8(out var category) || !r.VarInt32(out var epoch, MaxEpoch, "key epoch")) return false;
        if (!r.FixedBytes(CategoryKeyCrypto.WrappedLength, "wrapped data key", out var wrapped) || !r.VarInt32(out var count, MaxReaders, "reader count")) return false;
        var readers = new CategoryKeyReader[count];
        for (var i = 0; i < count; i++)
        {
            if (!CategoryKeyReader.TryRead(ref r, out readers[i])) return false;
        }
        wrap = new CategoryKeyWrap(patient, (ConsentCategories)category, epoch, wrapped, readers);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(CategoryKeyWrap? other) => other is not null && PatientId == other.PatientId && Category == other.Category && Epoch == other.Epoch
        && WrappedKey.AsSpan().SequenceEqual(other.WrappedKey) && NewEpoch.SequenceEqual(other.NewEpoch)
        && (PreviousKey is null ? other.PreviousKey is null : other.PreviousKey is not null && PreviousKey.AsSpan().SequenceEqual(other.PreviousKey));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(PatientId, Category, Epoch);
}
