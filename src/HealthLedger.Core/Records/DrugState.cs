using HealthLedger.Core.Encoding;

namespace HealthLedger.Core.Records;

/// <summary>
/// A drug of an organisation's formulary (state <c>drug/&lt;id&gt;</c>), the current version. Organisation data, not PHI:
/// the name, strength, form, ATC code, unit price and reorder level are sealed for the organisation (so the chain shows
/// only an opaque id next to a patient's prescription); the state machine needs only the id and the organisation.
/// </summary>
/// <param name="Id">Drug id (opaque).</param>
/// <param name="OrganisationId">The organisation whose pharmacy keeps it.</param>
/// <param name="Version">1 for the first definition, then +1 per change.</param>
/// <param name="Record">The sealed details.</param>
/// <param name="Proof">Where this version was written.</param>
public sealed record DrugState(string Id, string OrganisationId, int Version, SealedRecordRef Record, RecordProof Proof)
{
    private const byte FormatVersion = 1;

    /// <summary>The state key prefix of drugs.</summary>
    public const string Prefix = "drug/";

    /// <summary>The state key of drug <paramref name="id"/>.</summary>
    public static string Key(string id) => Prefix + id;

    /// <summary>The state key of the list of a drug's stock batches (<see cref="Model.IdList"/>).</summary>
    public static string BatchesKey(string id) => "drugbatches/" + id;

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(512).U8(FormatVersion).Text(Id).Text(OrganisationId).VarUInt((ulong)Version);
        Record.Write(w);
        Proof.Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output; null when it is not one.</summary>
    public static DrugState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != FormatVersion) return null;
        r.Text(out var id, 64, "id");
        r.Text(out var org, 64, "organisation");
        r.VarInt32(out var version, int.MaxValue, "version");
        if (!SealedRecordRef.TryRead(ref r, out var record) || !RecordProof.TryRead(ref r, out var proof)) return null;
        return r.End() ? new DrugState(id, org, version, record, proof) : null;
    }
}
