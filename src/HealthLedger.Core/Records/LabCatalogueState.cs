using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;

namespace HealthLedger.Core.Records;

/// <summary>
/// A laboratory's test catalogue (state <c>labcatalogue/&lt;organisation&gt;</c>): organisation configuration, not PHI, sealed
/// for the organisation (codes, names, specimen types, units, reference and possible ranges, prices, turnaround targets).
/// </summary>
/// <param name="OrganisationId">The laboratory's organisation.</param>
/// <param name="Version">1 for the first catalogue, then one more for each change.</param>
/// <param name="Record">The sealed catalogue (record id <c>labcatalogue-&lt;organisation&gt;</c>, this version).</param>
/// <param name="Proof">Where this version was written.</param>
public sealed record LabCatalogueState(string OrganisationId, int Version, SealedRecordRef Record, RecordProof Proof)
{
    private const byte FormatVersion = 1;

    /// <summary>The state key prefix of catalogues.</summary>
    public const string Prefix = "labcatalogue/";

    /// <summary>The state key of an organisation's catalogue.</summary>
    public static string Key(string organisationId) => Prefix + organisationId;

    /// <summary>The record id of an organisation's sealed catalogue.</summary>
    public static string RecordId(string organisationId) => "labcatalogue-" + organisationId;

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(512).U8(FormatVersion).Text(OrganisationId).VarUInt((ulong)Version);
        Record.Write(w);
        Proof.Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output; null when it is not one.</summary>
    public static LabCatalogueState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != FormatVersion) return null;
        r.Text(out var organisation, Identifiers.MaxLength, "organisation");
        r.VarInt32(out var version, int.MaxValue, "version");
        if (!SealedRecordRef.TryRead(ref r, out var record) || !RecordProof.TryRead(ref r, out var proof)) return null;
        return r.End() ? new LabCatalogueState(organisation, version, record, proof) : null;
    }
}
