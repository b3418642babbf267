using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.State;

namespace HealthLedger.Core.Records;

/// <summary>
/// What the custodian organisation indexes of a patient beside the MRN, at <see cref="Key"/> (written by
/// <c>IndexPatient</c>, kind 29): the blind index of the normalised full name and date of birth (a keyed HMAC under the
/// organisation's blind-index key: exact-match lookup without disclosure; null until indexed) and the area tag (a
/// facility/site code in plaintext, <see cref="SiteCodes"/>; empty when untagged). Every patient sharing a name index is
/// listed under <see cref="NamePrefix"/>: <c>namedob/&lt;organisation&gt;/&lt;index&gt;/&lt;patient&gt;</c> → the patient id.
/// </summary>
/// <param name="NameIndex">HMAC-SHA256 of the normalised full name and date of birth, or null.</param>
/// <param name="Area">The patient's area tag (a site code), or empty.</param>
public sealed record PatientIndexState(Hash256? NameIndex, string Area)
{
    private const byte Version = 1;

    /// <summary>State key of a patient's index entry.</summary>
    public static string Key(string patientId) => "patientindex/" + patientId;

    /// <summary>State key listing <paramref name="patientId"/> under a name index of <paramref name="organisationId"/>.</summary>
    public static string NameKey(string organisationId, Hash256 nameIndex, string patientId) => NamePrefix(organisationId, nameIndex) + patientId;

    /// <summary>Prefix of every patient of <paramref name="organisationId"/> with name index <paramref name="nameIndex"/>.</summary>
    public static string NamePrefix(string organisationId, Hash256 nameIndex) => $"namedob/{organisationId}/{nameIndex}/";

    /// <summary>The patient's entry, or null when none was written.</summary>
    public static PatientIndexState? Get(IStateReader state, string patientId) =>
        state.TryGet(Key(patientId), out var bytes) ? TryDecode(bytes) : null;

    /// <summary>The patient's area tag (empty when untagged).</summary>
    public static string AreaOf(IStateReader state, string patientId) => Get(state, patientId)?.Area ?? "";

    /// <summary>State encoding: <c>version u8 · has index bool · [index 32] · area text</c>.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(80).U8(Version).Bool(NameIndex is not null);
        if (NameIndex is { } index) w.Hash(index);
        return w.Text(Area).ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output.</summary>
    public static PatientIndexState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (!r.U8(out var v) || v != Version || !r.Bool(out var hasIndex)) return null;
        Hash256? index = null;
        if (hasIndex)
        {
            if (!r.Hash(out var h, "name index")) return null;
            index = h;
        }
        r.Text(out var area, SiteCodes.MaxLength, "area");
        return r.End() ? new PatientIndexState(index, area) : null;
    }
}
