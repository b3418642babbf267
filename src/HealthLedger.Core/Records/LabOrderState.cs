using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;

namespace HealthLedger.Core.Records;

/// <summary>
/// A lab order and its steps (state <c>laborder/&lt;id&gt;</c>): who ordered it for whom from which laboratory, the
/// specimen id, the charge entry posted at the first validation, and every step in order (never changed or removed; an
/// amendment is a further step). No PHI: tests, values and notes are in the steps' sealed records.
/// </summary>
/// <param name="OrderId">Order id (also the record id of the steps' sealed content).</param>
/// <param name="PatientId">The patient.</param>
/// <param name="LabOrganisationId">The laboratory's organisation (the patient's own, or one the patient granted laboratory access).</param>
/// <param name="DoctorId">The ordering doctor.</param>
/// <param name="SpecimenId">The specimen's id (its label), empty until collected.</param>
/// <param name="ChargeEntryId">The account entry that charged the order, empty until the first validation.</param>
/// <param name="Steps">The steps, the order first; step n is record version n.</param>
public sealed record LabOrderState(string OrderId, string PatientId, string LabOrganisationId, string DoctorId, string SpecimenId, string ChargeEntryId,
    IReadOnlyList<LabStep> Steps)
{
    private const byte FormatVersion = 1;

    /// <summary>Most steps of one order (limits amendments).</summary>
    public const int MaxSteps = 64;

    /// <summary>The state key prefix of lab orders.</summary>
    public const string Prefix = "laborder/";

    /// <summary>The state key of order <paramref name="id"/>.</summary>
    public static string Key(string id) => Prefix + id;

    /// <summary>The state key that makes specimen ids unique; its value is the order id.</summary>
    public static string SpecimenKey(string specimenId) => "labspecimen/" + specimenId;

    /// <summary>Where the order stands: the last step's status.</summary>
    public LabOrderStatus Status => Steps[^1].Step;

    /// <summary>The version the next step's sealed content takes.</summary>
    public int NextVersion => Steps.Count + 1;

    /// <summary>Who signed the current results (the last results step), or empty.</summary>
    public string ResultsAuthorId => Steps.LastOrDefault(s => s.Step == LabOrderStatus.Resulted)?.AuthorId ?? "";

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(512 * Steps.Count).U8(FormatVersion).Text(OrderId).Text(PatientId).Text(LabOrganisationId).Text(DoctorId)
            .Text(SpecimenId).Text(ChargeEntryId).VarUInt((ulong)Steps.Count);
        foreach (var step in Steps) step.Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output; null when it is not one.</summary>
    public static LabOrderState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != FormatVersion) return null;
        r.Text(out var id, Identifiers.MaxLength, "id");
        r.Text(out var patient, Identifiers.MaxLength, "patient");
        r.Text(out var lab, Identifiers.MaxLength, "laboratory");
        r.Text(out var doctor, Identifiers.MaxLength, "doctor");
        r.Text(out var specimen, Identifiers.MaxLength, "specimen");
        r.Text(out var charge, Identifiers.MaxLength, "charge");
        if (!r.VarInt32(out var count, MaxSteps, "steps") || count == 0) return null;
        var steps = new List<LabStep>(count);
        for (var i = 0; i < count; i++)
        {
            if (!LabStep.TryRead(ref r, out var step)) return null;
            steps.Add(step);
        }
        return r.End() ? new LabOrderState(id, patient, lab, doctor, specimen, charge, steps) : null;
    }
}
