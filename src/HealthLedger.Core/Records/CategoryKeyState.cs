using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;

namespace HealthLedger.Core.Records;

/// <summary>
/// One epoch of a patient's category key as the world state holds it (<c>catkey/&lt;patient&gt;/&lt;category&gt;/&lt;epoch&gt;</c>):
/// its readers with their envelopes, and where it was opened. The category's current epoch is at
/// <c>catkey/&lt;patient&gt;/&lt;category&gt;</c>. No key in clear.
/// </summary>
/// <param name="PatientId">The patient.</param>
/// <param name="Category">The single consent category.</param>
/// <param name="Epoch">The epoch (1, 2, …).</param>
/// <param name="Readers">Who holds the key: the custodian organisation, the patient, grantees (opened with the epoch or added by grants).</param>
/// <param name="Proof">The transaction that opened the epoch.</param>
/// <param name="PreviousKey">The key of epoch <paramref name="Epoch"/> − 1 sealed under this epoch's key (the key chain,
/// <see cref="Crypto.CategoryKeyCrypto.SealPreviousKey"/>), or null: the first epoch, or one opened without the chain.</param>
public sealed record CategoryKeyState(string PatientId, ConsentCategories Category, int Epoch, IReadOnlyList<CategoryKeyReader> Readers, RecordProof Proof,
    byte[]? PreviousKey = null)
{
    // Version 1: no previous key (encoded as before the key chain, so that re-executing older blocks gives the same state); 2: with it.
    private const byte FormatVersion = 1;
    private const byte ChainedFormatVersion = 2;

    /// <summary>Most readers of one epoch (custodian, patient and grantees).</summary>
    public const int MaxReaders = 256;

    /// <summary>The state key of the category's current epoch number.</summary>
    public static string CurrentKey(string patientId, ConsentCategories category) => $"catkey/{patientId}/{(byte)category}";

    /// <summary>The state key of one epoch.</summary>
    public static string Key(string patientId, ConsentCategories category, int epoch) => $"catkey/{patientId}/{(byte)category}/{epoch:D6}";

    /// <summary>The single categories, in order (a category key exists per single category).</summary>
    public static IEnumerable<ConsentCategories> Singles(ConsentCategories categories) =>
        new[] { ConsentCategories.Demographics, ConsentCategories.Encounters, ConsentCategories.Account, ConsentCategories.Reports, ConsentCategories.Laboratory, ConsentCategories.Medication }.Where(c => (categories & c) == c);

    /// <summary>True when <paramref name="category"/> is exactly one category.</summary>
    public static bool IsSingle(ConsentCategories category) => category != ConsentCategories.None && (category & ~ConsentCategories.All) == 0 && ((byte)category & ((byte)category - 1)) == 0;

    /// <summary>The category's current epoch (0 when none was opened yet).</summary>
    public static int CurrentEpoch(State.IStateReader state, string patientId, ConsentCategories category)
    {
        if (!state.TryGet(CurrentKey(patientId, category), out var bytes)) return 0;
        var r = new CanonicalReader(bytes);
        return r.VarInt32(out var epoch, CategoryKeyWrap.MaxEpoch, "epoch") ? epoch : 0;
    }

    /// <summary>Reads one epoch, or null.</summary>
    public static CategoryKeyState? Get(State.IStateReader state, string patientId, ConsentCategories category, int epoch) =>
        state.TryGet(Key(patientId, category, epoch), out var bytes) ? TryDecode(bytes) : null;

    /// <summary>The reader of this epoch who is <paramref name="kind"/> <paramref name="id"/>, or null.</summary>
    public CategoryKeyReader? Reader(KeyReaderKind kind, string id) => Readers.FirstOrDefault(r => r.Kind == kind && r.Id == id);

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(128 + 100 * Readers.Count).U8(PreviousKey is null ? FormatVersion : ChainedFormatVersion)
            .Text(PatientId).U8((byte)Category).VarUInt((ulong)Epoch).VarUInt((ulong)Readers.Count);
        foreach (var reader in Readers) reader.Write(w);
        Proof.Write(w);
        if (PreviousKey is not null) w.Raw(PreviousKey);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output.</summary>
    public static CategoryKeyState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (!r.U8(out var v) || v is not (FormatVersion or ChainedFormatVersion)) return null;
        if (!r.Text(out var patient, Identifiers.MaxLength, "patient") || !r.U8(out var category) || !r.VarInt32(out var epoch, CategoryKeyWrap.MaxEpoch, "epoch")) return null;
        if (!r.VarInt32(out var count, MaxReaders, "reader count")) return null;
        var readers = new CategoryKeyReader[count];
        for (var i = 0; i < count; i++)
        {
            if (!CategoryKeyReader.TryRead(ref r, out readers[i])) return null;
        }
        if (!RecordProof.TryRead(ref r, out var proof)) return null;
        byte[]? previous = null;
        if (v == ChainedFormatVersion && !r.FixedBytes(Crypto.CategoryKeyCrypto.WrappedLength, "previous epoch's key", out previous)) return null;
        if (!r.End()) return null;
        return new CategoryKeyState(patient, (ConsentCategories)category, epoch, readers, proof, previous);
    }

    /// <inheritdoc/>
    public bool Equals(CategoryKeyState? other) => other is not null && PatientId == other.PatientId && Category == other.Category && Epoch == other.Epoch
        && Readers.SequenceEqual(other.Readers) && Proof == other.Proof
        && (PreviousKey is null ? other.PreviousKey is null : other.PreviousKey is not null && PreviousKey.AsSpan().SequenceEqual(other.PreviousKey));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(PatientId, Category, Epoch);
}
