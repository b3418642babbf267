using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Records;

/// <summary>
/// An organisation's ward and bed list (state <c>wards/&lt;organisation&gt;</c>): the blind indexes of its beds, which the state
/// machine checks admissions and transfers against, and the sealed list of ward and bed names (for the organisation only).
/// </summary>
/// <param name="OrganisationId">The organisation.</param>
/// <param name="Version">1 for the first list, then one more for each change.</param>
/// <param name="Beds">The beds' blind indexes, in ascending order.</param>
/// <param name="Record">The sealed names.</param>
/// <param name="Proof">Where this version was written.</param>
public sealed record WardsState(string OrganisationId, int Version, IReadOnlyList<Hash256> Beds, SealedRecordRef Record, RecordProof Proof)
{
    private const byte FormatVersion = 1;

    /// <summary>Most beds in a list.</summary>
    public const int MaxBeds = 5000;

    /// <summary>The state key prefix of ward lists.</summary>
    public const string Prefix = "wards/";

    /// <summary>The state key of an organisation's ward list.</summary>
    public static string Key(string organisationId) => Prefix + organisationId;

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(256 + 32 * Beds.Count).U8(FormatVersion).Text(OrganisationId).VarUInt((ulong)Version).VarUInt((ulong)Beds.Count);
        foreach (var bed in Beds) w.Hash(bed);
        Record.Write(w);
        Proof.Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output; null when it is not one.</summary>
    public static WardsState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != FormatVersion) return null;
        r.Text(out var organisation, Identifiers.MaxLength, "organisation");
        r.VarInt32(out var version, int.MaxValue, "version");
        if (!ReadBeds(ref r, out var beds)) return null;
        if (!SealedRecordRef.TryRead(ref r, out var record) || !RecordProof.TryRead(ref r, out var proof)) return null;
        return r.End() ? new WardsState(organisation, version, beds, record, proof) : null;
    }

    /// <summary>Reads a count and that many bed indexes (at most <see cref="MaxBeds"/>).</summary>
    public static bool ReadBeds(ref CanonicalReader r, out List<Hash256> beds)
    {
        beds = [];
        if (!r.VarInt32(out var count, MaxBeds, "bed count")) return false;
        for (var i = 0; i < count; i++)
        {
            if (!r.Hash(out var bed, "bed")) return false;
            beds.Add(bed);
        }
        return true;
    }
}
