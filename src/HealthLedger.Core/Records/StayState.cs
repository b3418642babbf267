using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Records;

/// <summary>
/// A patient's current stay as the world state holds it (<c>stay/&lt;patient&gt;</c>): no PHI, only the lifecycle status, the
/// blind index of the bed the patient holds and the entry that placed them there. Entry times are sealed, so their order is
/// checked by the node that decrypts them (see docs/architecture.md, "Encounter lifecycle and beds").
/// </summary>
/// <param name="Status">Admitted or discharged.</param>
/// <param name="Bed">Blind index of the ward and bed held while admitted; <see cref="Hash256.Zero"/> otherwise.</param>
/// <param name="PlacementId">The admission or transfer entry that placed the patient in <paramref name="Bed"/> (or the last discharge).</param>
public sealed record StayState(StayStatus Status, Hash256 Bed, string PlacementId)
{
    private const byte FormatVersion = 1;

    /// <summary>The state key of a patient's stay.</summary>
    public static string Key(string patientId) => "stay/" + patientId;

    /// <summary>The state key of an occupied bed within an organisation (value: the patient id as canonical text).</summary>
    public static string BedKey(string organisationId, Hash256 bed) => $"bed/{organisationId}/{bed}";

    /// <summary>State encoding.</summary>
    public byte[] Encode() => new CanonicalWriter(112).U8(FormatVersion).U8((byte)Status).Hash(Bed).Text(PlacementId).ToArray();

    /// <summary>Decodes <see cref="Encode"/>'s output.</summary>
    public static StayState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != FormatVersion) return null;
        r.U8(out var status);
        r.Hash(out var bed, "bed");
        r.Text(out var placement, Identifiers.MaxLength, "placement");
        return r.End() && Enum.IsDefined((StayStatus)status) ? new StayState((StayStatus)status, bed, placement) : null;
    }
}
