using HealthLedger.Core.Encoding;

namespace HealthLedger.Core.Records;

/// <summary>
/// A doctor's prescription (state <c>rx/&lt;id&gt;</c>, never changed): the patient, the prescriber, the pharmacy
/// organisation, the drug (an opaque formulary id), the quantity per supply and the number of repeats — what the state machine
/// needs to refuse dispensing more than prescribed. Dose, route, frequency, duration, any allergy override reason are sealed
/// under the patient's medication category key. What was dispensed so far is <see cref="Pharmacy.FilledKey"/>.
/// </summary>
/// <param name="Id">Prescription id.</param>
/// <param name="PatientId">The patient.</param>
/// <param name="DoctorId">The prescriber (signer).</param>
/// <param name="PharmacyId">The organisation whose pharmacy dispenses it (the patient's, for now).</param>
/// <param name="DrugId">The drug of that pharmacy's formulary.</param>
/// <param name="Quantity">Units per supply (1..<see cref="Pharmacy.MaxQuantity"/>).</param>
/// <param name="Repeats">Further supplies allowed after the first (0..<see cref="Pharmacy.MaxRepeats"/>).</param>
/// <param name="Record">The sealed prescription.</param>
/// <param name="Proof">Where it was written.</param>
public sealed record PrescriptionState(string Id, string PatientId, string DoctorId, string PharmacyId, string DrugId, int Quantity, int Repeats, SealedRecordRef Record, RecordProof Proof)
{
    private const byte FormatVersion = 1;

    /// <summary>The state key prefix of prescriptions.</summary>
    public const string Prefix = "rx/";

    /// <summary>The state key of prescription <paramref name="id"/>.</summary>
    public static string Key(string id) => Prefix + id;

    /// <summary>Units that may be dispensed in all: quantity × (1 + repeats).</summary>
    public int Authorised => Quantity * (1 + Repeats);

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(512).U8(FormatVersion).Text(Id).Text(PatientId).Text(DoctorId).Text(PharmacyId).Text(DrugId)
            .VarUInt((ulong)Quantity).VarUInt((ulong)Repeats);
        Record.Write(w);
        Proof.Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output; null when it is not one.</summary>
    public static PrescriptionState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != FormatVersion) return null;
        r.Text(out var id, 64, "id");
        r.Text(out var patient, 64, "patient");
        r.Text(out var doctor, 64, "doctor");
        r.Text(out var pharmacy, 64, "pharmacy");
        r.Text(out var drug, 64, "drug");
        r.VarInt32(out var quantity, Pharmacy.MaxQuantity, "quantity");
        r.VarInt32(out var repeats, Pharmacy.MaxRepeats, "repeats");
        if (!SealedRecordRef.TryRead(ref r, out var record) || !RecordProof.TryRead(ref r, out var proof)) return null;
        return r.End() ? new PrescriptionState(id, patient, doctor, pharmacy, drug, quantity, repeats, record, proof) : null;
    }
}
