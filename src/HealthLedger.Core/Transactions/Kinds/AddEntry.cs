using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// Adds an entry to a patient's record: an encounter (admission, visit, transfer, discharge) or an account line
/// (charge, payment). Entries are never changed; a correction is a new entry of the same type naming the one it corrects.
/// Admins of the patient's organisation may add any entry; a doctor may add visits for patients they attend, as the
/// attending doctor. Naming an attending doctor records that the doctor attends the patient.
/// Only the current version of an entry can be corrected (<see cref="StateKeys.CorrectedBy"/>). Encounters follow
/// admitted → (transferred)* → discharged (<see cref="StayState"/>), and a bed holds one patient at a time.
/// </summary>
/// <param name="EntryId">The new entry's id.</param>
/// <param name="PatientId">The patient.</param>
/// <param name="Type">The entry type.</param>
/// <param name="DoctorId">Attending doctor, or empty.</param>
/// <param name="CorrectsId">The entry this one corrects, or empty.</param>
/// <param name="Record">The sealed entry content.</param>
/// <param name="Bed">
/// For admissions and transfers: the blind index of the ward and bed (keyed by the organisation's secret, so the chain does not
/// say which bed a patient lies in); <see cref="Hash256.Zero"/> for every other type.
/// </param>
public sealed record AddEntryPayload(string EntryId, string PatientId, EntryType Type, string DoctorId, string CorrectsId, SealedRecordRef Record, Hash256 Bed = default) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.AddEntry;

    /// <inheritdoc/>
    public override IEnumerable<SealedRecordRef> Records => [Record];

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(EntryId).Text(PatientId).U8((byte)Type).Text(DoctorId).Text(CorrectsId);
        Record.Write(writer);
        writer.Hash(Bed);
    }
}

/// <summary>Executes <see cref="AddEntryPayload"/>.</summary>
public sealed class AddEntryHandler : TxKindHandler<AddEntryPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.AddEntry;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out AddEntryPayload payload)
    {
        payload = null!;
        r.Text(out var id, Identifiers.MaxLength, "entry id");
        r.Text(out var patient, Identifiers.MaxLength, "patient id");
        r.U8(out var type);
        r.Text(out var doctor, Identifiers.MaxLength, "doctor id");
        r.Text(out var corrects, Identifiers.MaxLength, "corrected entry id");
        if (!SealedRecordRef.TryRead(ref r, out var record)) return false;
        if (!r.Hash(out var bed, "bed")) return false;
        payload = new AddEntryPayload(id, patient, (EntryType)type, doctor, corrects, record, bed);
        return true;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(AddEntryPayload p)
    {
        if (!Identifiers.IsValid(p.EntryId)) return Invalid("entryId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.PatientId)) return Invalid("patientId", Identifiers.Rule);
        if (!Enum.IsDefined(p.Type)) return Invalid("type", $"{(byte)p.Type} is not an entry type");
        if (p.DoctorId.Length > 0 && !Identifiers.IsValid(p.DoctorId)) return Invalid("doctorId", Identifiers.Rule);
        if (p.CorrectsId.Length > 0 && !Identifiers.IsValid(p.CorrectsId)) return Invalid("correctsId", Identifiers.Rule);
        if (p.Type is EntryType.Admission or EntryType.Visit && p.DoctorId.Length == 0) return Invalid("doctorId", $"a {p.Type} needs an attending doctor");
        if (HoldsBed(p.Type) == p.Bed.IsZero) return Invalid("bed", HoldsBed(p.Type) ? $"a {p.Type} needs a bed" : $"a {p.Type} names no bed");
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, AddEntryPayload p)
    {
        var patient = context.GetPatient(p.PatientId);
        if (patient is null) return TxResult.Reject(TxVerdict.NotFound, $"patient '{p.PatientId}' does not exist");
        var signer = context.SignerUser;
        var isAdmin = signer is { Role: Role.Admin } && signer.OrganisationId == patient.OrganisationId;
        var isAttendingDoctor = signer is { Role: Role.Doctor } && signer.Id == p.DoctorId && p.Type == EntryType.Visit
            && Consent.Attends(context.State, signer.Id, p.PatientId, context.Timestamp);
        if (!isAdmin && !isAttendingDoctor)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, "only an admin of the patient's organisation, or the attending doctor for a visit, may add this entry");
        }
        if (context.State.Contains(StateKeys.Entry(p.EntryId))) return TxResult.Reject(TxVerdict.AlreadyExists, $"entry id '{p.EntryId}' is taken");
        if (p.DoctorId.Length > 0)
        {
            var doctor = context.GetDoctor(p.DoctorId);
            if (doctor is null) return TxResult.Reject(TxVerdict.NotFound, $"doctor '{p.DoctorId}' does not exist");
            if (doctor.OrganisationId != patient.OrganisationId)
            {
                return TxResult.Reject(TxVerdict.InvalidField, $"doctor '{p.DoctorId}' is not of the patient's organisation");
            }
        }
        if (p.CorrectsId.Length > 0)
        {
            var corrected = context.GetEntry(p.CorrectsId);
            if (corrected is null || corrected.PatientId != p.PatientId)
            {
                return TxResult.Reject(TxVerdict.NotFound, $"entry '{p.CorrectsId}' of this patient does not exist");
            }
            if (corrected.Type != p.Type) return TxResult.Reject(TxVerdict.InvalidField, $"a correction of a {corrected.Type} must be a {corrected.Type}");
            if (context.State.TryGet(StateKeys.CorrectedBy(p.CorrectsId), out var by))
            {
                var reader = new CanonicalReader(by);
                reader.Text(out var byId, Identifiers.MaxLength, "corrected by");
                return TxResult.Reject(TxVerdict.Conflict, $"correctsId: entry '{p.CorrectsId}' was already corrected by '{byId}'; only the current version can be corrected");
            }
        }
        var org = context.GetOrganisation(patient.OrganisationId)!;
        var patientUser = context.GetUser(p.PatientId);
        if (CategoryKeyRules.RequireReaders(context, tx, p.Record, p.PatientId, p.Type.ConsentCategory(), org, patientUser?.EncryptionKey) is { } missing) return missing;
        if (MoveThroughStay(context, p, patient.OrganisationId) is { } refused) return refused;
        if (p.CorrectsId.Length > 0) context.State.Set(StateKeys.CorrectedBy(p.CorrectsId), new CanonicalWriter(72).Text(p.EntryId).ToArray());

        context.State.Set(StateKeys.Entry(p.EntryId), new EntryState(p.EntryId, p.PatientId, p.Type, p.DoctorId, p.CorrectsId, signer!.Id, p.Record,
            new RecordProof(tx.Id, context.Height, context.Timestamp)).Encode());
        if (p.CorrectsId.Length == 0) UpdateCare(context, tx, p, isAdmin);
        return TxResult.Ok;
    }

    private static bool HoldsBed(EntryType type) => type is EntryType.Admission or EntryType.Transfer;

    /// <summary>
    /// The encounter lifecycle: an admission needs a patient not admitted, a transfer or a discharge an admitted one; an
    /// admission or transfer takes a free bed and a transfer or discharge frees the old one. A correction of the entry that
    /// placed the patient moves them to the corrected bed; other corrections leave the stay as it is. Null when allowed.
    /// </summary>
    private static TxResult? MoveThroughStay(TxContext context, AddEntryPayload p, string organisationId)
    {
        if (p.Type is not (EntryType.Admission or EntryType.Transfer or EntryType.Discharge)) return null;
        var key = StayState.Key(p.PatientId);
        var stay = context.State.TryGet(key, out var bytes) ? StayState.TryDecode(bytes) : null;
        stay ??= new StayState(StayStatus.None, Hash256.Zero, "");
        if (p.CorrectsId.Length > 0)
        {
            if (stay.PlacementId != p.CorrectsId) return null;
            if (p.Type == EntryType.Discharge)
            {
                context.State.Set(key, (stay with { PlacementId = p.EntryId }).Encode());
                return null;
            }
            if (MoveBed(context, organisationId, p.PatientId, stay.Bed, p.Bed) is { } taken) return taken;
            context.State.Set(key, (stay with { Bed = p.Bed, PlacementId = p.EntryId }).Encode());
            return null;
        }
        switch (p.Type)
        {
            case EntryType.Admission when stay.Status == StayStatus.Admitted:
                return TxResult.Reject(TxVerdict.Conflict, $"type: patient '{p.PatientId}' is already admitted; transfer or discharge them instead");
            case EntryType.Transfer or EntryType.Discharge when stay.Status != StayStatus.Admitted:
                return TxResult.Reject(TxVerdict.Conflict, $"type: patient '{p.PatientId}' is not admitted; a {p.Type} follows an admission");
            case EntryType.Admission:
                if (MoveBed(context, organisationId, p.PatientId, Hash256.Zero, p.Bed) is { } occupied) return occupied;
                context.State.Set(key, new StayState(StayStatus.Admitted, p.Bed, p.EntryId).Encode());
                return null;
            case EntryType.Transfer:
                if (MoveBed(context, organisationId, p.PatientId, stay.Bed, p.Bed) is { } busy) return busy;
                context.State.Set(key, new StayState(StayStatus.Admitted, p.Bed, p.EntryId).Encode());
                return null;
            default:
                MoveBed(context, organisationId, p.PatientId, stay.Bed, Hash256.Zero);
                context.State.Set(key, new StayState(StayStatus.Discharged, Hash256.Zero, p.EntryId).Encode());
                return null;
        }
    }

    /// <summary>Frees <paramref name="from"/> and takes <paramref name="to"/> (zero: none); refuses a bed held by another patient.</summary>
    private static TxResult? MoveBed(TxContext context, string organisationId, string patientId, Hash256 from, Hash256 to)
    {
        if (from == to) return null;
        if (!to.IsZero)
        {
            if (!ConfigureWardsHandler.IsKnownBed(context, organisationId, to)) return TxResult.Reject(TxVerdict.InvalidField, "bed: not a bed of the organisation's ward list");
            var bedKey = StayState.BedKey(organisationId, to);
            if (context.State.TryGet(bedKey, out var holder))
            {
                var reader = new CanonicalReader(holder);
                reader.Text(out var holderId, Identifiers.MaxLength, "holder");
                if (holderId != patientId) return TxResult.Reject(TxVerdict.Conflict, "bed: the bed is occupied by another patient");
            }
            context.State.Set(bedKey, new CanonicalWriter(72).Text(patientId).ToArray());
        }
        if (!from.IsZero) context.State.Delete(StayState.BedKey(organisationId, from));
        return null;
    }

    /// <summary>
    /// Care relationships follow the encounters, never just a name on an entry: an admission or a transfer under a doctor
    /// makes them care for the patient while admitted; the discharge ends every relationship of the stay after the network
    /// policy's <see cref="NetworkPolicy.CareAfterDischarge"/>; a visit recorded by the organisation gives its doctor
    /// <see cref="NetworkPolicy.CareAfterVisit"/> (a doctor's own visit note extends nothing). The policy is read at this
    /// block, so a policy change applies to the relationships that start or end after it. Account lines and corrections change none.
    /// </summary>
    private static void UpdateCare(TxContext context, Transaction tx, AddEntryPayload p, bool byOrganisation)
    {
        var now = context.Timestamp;
        var proof = new RecordProof(tx.Id, context.Height, now);
        var admittedUnder = ReadDoctors(context, p.PatientId);
        var policy = PolicyState.Current(context.State);
        switch (p.Type)
        {
            case EntryType.Admission or EntryType.Transfer when p.DoctorId.Length > 0:
                {
                    var current = Consent.Care(context.State, p.PatientId, p.DoctorId);
                    var since = current is not null && current.IsActiveAt(now) ? current.Since : now;
                    context.State.Set(StateKeys.Care(p.PatientId, p.DoctorId), new CareState(p.PatientId, p.DoctorId, since, 0, true, 0, proof).Encode());
                    if (!admittedUnder.Contains(p.DoctorId, StringComparer.Ordinal)) WriteDoctors(context, p.PatientId, [.. admittedUnder, p.DoctorId]);
                    break;
                }
            case EntryType.Discharge:
                foreach (var doctorId in admittedUnder)
                {
                    if (Consent.Care(context.State, p.PatientId, doctorId) is not { } care) continue;
                    context.State.Set(StateKeys.Care(p.PatientId, doctorId), (care with { Admitted = false, Until = now + policy.CareAfterDischarge, Proof = proof }).Encode());
                }
                if (admittedUnder.Count > 0) context.State.Delete(StateKeys.Inpatient(p.PatientId));
                break;
            case EntryType.Visit when byOrganisation && p.DoctorId.Length > 0:
                {
                    var current = Consent.Care(context.State, p.PatientId, p.DoctorId);
                    if (current is { Admitted: true, EndedAt: 0 }) break;
                    var active = current is not null && current.IsActiveAt(now);
                    var until = Math.Max(active ? current!.Until : 0, now + policy.CareAfterVisit);
                    context.State.Set(StateKeys.Care(p.PatientId, p.DoctorId), new CareState(p.PatientId, p.DoctorId, active ? current!.Since : now, until, false, 0, proof).Encode());
                    break;
                }
        }
    }

    /// <summary>The doctors the patient is admitted under now.</summary>
    internal static List<string> ReadDoctors(TxContext context, string patientId)
    {
        var list = new List<string>();
        if (!context.State.TryGet(StateKeys.Inpatient(patientId), out var bytes)) return list;
        var r = new CanonicalReader(bytes);
        r.VarInt32(out var count, 1000, "count");
        for (var i = 0; i < count && r.Error is null; i++)
        {
            r.Text(out var id, Identifiers.MaxLength, "doctor id");
            list.Add(id);
        }
        return list;
    }

    private static void WriteDoctors(TxContext context, string patientId, IReadOnlyList<string> doctors)
    {
        var w = new CanonicalWriter(16 + doctors.Sum(d => d.Length + 2)).VarUInt((ulong)doctors.Count);
        foreach (var d in doctors) w.Text(d);
        context.State.Set(StateKeys.Inpatient(patientId), w.ToArray());
    }

    /// <inheritdoc/>
    public override string? PatientOfRecord(TxContext context, string recordId, int version) =>
        version == 1 && context.GetEntry(recordId) is { } entry ? entry.PatientId : null;
}
