using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// A new version of a patient's demographics or a doctor's directory entry. The previous versions stay on the chain.
/// Patients: an admin of their organisation. Doctors: an admin of their organisation or the doctor themself.
/// </summary>
/// <param name="Subject">Patient or doctor.</param>
/// <param name="Id">The patient or doctor id.</param>
/// <param name="Version">The new version: exactly one above the current one.</param>
/// <param name="Record">The sealed new version.</param>
public sealed record UpdateRecordPayload(RecordSubject Subject, string Id, int Version, SealedRecordRef Record) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.UpdateRecord;

    /// <inheritdoc/>
    public override IEnumerable<SealedRecordRef> Records => [Record];

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.U8((byte)Subject).Text(Id).VarUInt((ulong)Version);
        Record.Write(writer);
    }
}

/// <summary>What an <see cref="UpdateRecordPayload"/> updates.</summary>
public enum RecordSubject : byte
{
    /// <summary>A patient's demographics.</summary>
    Patient = 1,
    /// <summary>A doctor's directory entry.</summary>
    Doctor = 2,
}

/// <summary>Executes <see cref="UpdateRecordPayload"/>.</summary>
public sealed class UpdateRecordHandler : TxKindHandler<UpdateRecordPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.UpdateRecord;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out UpdateRecordPayload payload)
    {
        payload = null!;
        r.U8(out var subject);
        r.Text(out var id, Identifiers.MaxLength, "id");
        r.VarInt32(out var version, int.MaxValue, "version");
        if (!SealedRecordRef.TryRead(ref r, out var record)) return false;
        payload = new UpdateRecordPayload((RecordSubject)subject, id, version, record);
        return true;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(UpdateRecordPayload p)
    {
        if (!Enum.IsDefined(p.Subject)) return Invalid("subject", $"{(byte)p.Subject} is not a record subject");
        if (!Identifiers.IsValid(p.Id)) return Invalid("id", Identifiers.Rule);
        return p.Version >= 2 ? TxResult.Ok : Invalid("version", "an update is version 2 or later");
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, UpdateRecordPayload p)
    {
        var proof = new RecordProof(tx.Id, context.Height, context.Timestamp);
        if (p.Subject == RecordSubject.Patient)
        {
            var patient = context.GetPatient(p.Id);
            if (patient is null) return TxResult.Reject(TxVerdict.NotFound, $"patient '{p.Id}' does not exist");
            if (context.RequireAdminOf(patient.OrganisationId, "update its patients") is { } denied) return denied;
            if (CheckVersionAndEnvelopes(context, tx, patient.OrganisationId, patient.Version, p, context.GetUser(p.Id)) is { } bad) return bad;
            context.State.Set(StateKeys.Patient(p.Id), (patient with { Version = p.Version, Record = p.Record, Proof = proof }).Encode());
            return TxResult.Ok;
        }
        var doctor = context.GetDoctor(p.Id);
        if (doctor is null) return TxResult.Reject(TxVerdict.NotFound, $"doctor '{p.Id}' does not exist");
        var self = context.SignerUser is { } signer && signer.Id == p.Id;
        if (!self && context.RequireAdminOf(doctor.OrganisationId, "update its doctors") is { } refused) return refused;
        if (CheckVersionAndEnvelopes(context, tx, doctor.OrganisationId, doctor.Version, p, null) is { } wrong) return wrong;
        context.State.Set(StateKeys.Doctor(p.Id), (doctor with { Version = p.Version, Record = p.Record, Proof = proof }).Encode());
        return TxResult.Ok;
    }

    private static TxResult? CheckVersionAndEnvelopes(TxContext context, Transaction tx, string organisationId, int current, UpdateRecordPayload p, UserRecord? patient)
    {
        if (p.Version != current + 1) return TxResult.Reject(TxVerdict.Conflict, $"version {p.Version} does not follow the current version {current}");
        var org = context.GetOrganisation(organisationId);
        if (org is null) return TxResult.Reject(TxVerdict.NotFound, $"organisation '{organisationId}' does not exist");
        return p.Subject == RecordSubject.Patient
            ? CategoryKeyRules.RequireReaders(context, tx, p.Record, p.Id, ConsentCategories.Demographics, org, patient?.EncryptionKey)
            : TxContext.RequireEnvelopes(p.Record, ("the organisation", org.EncryptionKey));
    }
}
