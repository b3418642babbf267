using HealthLedger.Core.Encoding;

namespace HealthLedger.Core.Records;

/// <summary>
/// A supply dispensed against a prescription (state <c>dispense/&lt;id&gt;</c>, never changed): the batches the state
/// machine took the units from (first expiry first out, or the batch the pharmacist named), the pharmacist, the account
/// charge entry written with it, and the sealed dispensing note (medication category).
/// </summary>
/// <param name="Id">Dispense id.</param>
/// <param name="PrescriptionId">The prescription.</param>
/// <param name="PatientId">The patient.</param>
/// <param name="PharmacistId">The signer.</param>
/// <param name="Lines">Units per batch, in the order taken.</param>
/// <param name="ChargeEntryId">The charge entry (<c>entry/&lt;id&gt;</c>) posted to the patient's account.</param>
/// <param name="Record">The sealed dispensing record.</param>
/// <param name="Proof">Where it was written.</param>
public sealed record DispenseState(string Id, string PrescriptionId, string PatientId, string PharmacistId, IReadOnlyList<DispenseLine> Lines, string ChargeEntryId,
    SealedRecordRef Record, RecordProof Proof)
{
    private const byte FormatVersion = 1;

    /// <summary>The state key prefix of dispenses.</summary>
    public const string Prefix = "dispense/";

    /// <summary>The state key of dispense <paramref name="id"/>.</summary>
    public static string Key(string id) => Prefix + id;

    /// <summary>Units dispensed.</summary>
    public int Quantity => Lines.Sum(l => l.Quantity);

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(512).U8(FormatVersion).Text(Id).Text(PrescriptionId).Text(PatientId).Text(PharmacistId).VarUInt((ulong)Lines.Count);
        foreach (var line in Lines) w.Text(line.BatchId).VarUInt((ulong)line.Quantity);
        w.Text(ChargeEntryId);
        Record.Write(w);
        Proof.Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output; null when it is not one.</summary>
    public static DispenseState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != FormatVersion) return null;
        r.Text(out var id, 64, "id");
        r.Text(out var rx, 64, "prescription");
        r.Text(out var patient, 64, "patient");
        r.Text(out var pharmacist, 64, "pharmacist");
        r.VarInt32(out var count, Pharmacy.MaxLines, "lines");
        var lines = new List<DispenseLine>();
        for (var i = 0; i < count && r.Error is null; i++)
        {
            r.Text(out var batch, 64, "batch");
            r.VarInt32(out var quantity, Pharmacy.MaxQuantity, "quantity");
            lines.Add(new DispenseLine(batch, quantity));
        }
        r.Text(out var charge, 64, "charge entry");
        if (!SealedRecordRef.TryRead(ref r, out var record) || !RecordProof.TryRead(ref r, out var proof)) return null;
        return r.End() ? new DispenseState(id, rx, patient, pharmacist, lines, charge, record, proof) : null;
    }
}
