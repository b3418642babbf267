using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// Registers a patient: their login (role patient, with their keys), the MRN's blind index and the sealed demographics,
/// in one transaction. Only an admin of the organisation may sign it. The demographics must be readable by the
/// organisation and by the patient.
/// </summary>
/// <param name="PatientId">Patient id and login user id (opaque).</param>
/// <param name="OrganisationId">The organisation.</param>
/// <param name="MrnIndex">Blind index of the MRN.</param>
/// <param name="SigningKey">The patient's Ed25519 key.</param>
/// <param name="EncryptionKey">The patient's X25519 key.</param>
/// <param name="Record">The sealed demographics (version 1).</param>
public sealed record RegisterPatientPayload(string PatientId, string OrganisationId, Hash256 MrnIndex, SigningPublicKey SigningKey,
    EncryptionPublicKey EncryptionKey, SealedRecordRef Record) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.RegisterPatient;

    /// <inheritdoc/>
    public override IEnumerable<SealedRecordRef> Records => [Record];

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(PatientId).Text(OrganisationId).Hash(MrnIndex).Key(SigningKey).Key(EncryptionKey);
        Record.Write(writer);
    }
}

/// <summary>Executes <see cref="RegisterPatientPayload"/>.</summary>
public sealed class RegisterPatientHandler : TxKindHandler<RegisterPatientPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.RegisterPatient;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out RegisterPatientPayload payload)
    {
        payload = null!;
        r.Text(out var id, Identifiers.MaxLength, "patient id");
        r.Text(out var org, Identifiers.MaxLength, "organisation id");
        r.Hash(out var mrn, "mrn index");
        r.Key(out SigningPublicKey signing, "signing key");
        r.Key(out EncryptionPublicKey encryption, "encryption key");
        if (!SealedRecordRef.TryRead(ref r, out var record)) return false;
        payload = new RegisterPatientPayload(id, org, mrn, signing, encryption, record);
        return true;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(RegisterPatientPayload p)
    {
        if (!Identifiers.IsValid(p.PatientId)) return Invalid("patientId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.OrganisationId)) return Invalid("organisationId", Identifiers.Rule);
        return p.Record.KeyWrap is null ? TxContext.RequireEnvelopes(p.Record, ("the patient", p.EncryptionKey)) ?? TxResult.Ok : TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, RegisterPatientPayload p)
    {
        if (context.RequireAdminOf(p.OrganisationId, "register its patients") is { } denied) return denied;
        var org = context.GetOrganisation(p.OrganisationId);
        if (org is null) return TxResult.Reject(TxVerdict.NotFound, $"organisation '{p.OrganisationId}' does not exist");
        if (Governance.Consortium.RescueServiceRegistrationProblem(context.State, p.OrganisationId, Role.Patient) is { } rescueOnly) return rescueOnly;
        if (CategoryKeyRules.RequireReaders(context, tx, p.Record, p.PatientId, ConsentCategories.Demographics, org, p.EncryptionKey) is { } missing) return missing;
        var state = context.State;
        if (state.Contains(StateKeys.Mrn(p.OrganisationId, p.MrnIndex)))
        {
            return TxResult.Reject(TxVerdict.AlreadyExists, "a patient with this MRN is already registered");
        }
        if (context.RequireNewUser(p.PatientId, p.SigningKey) is { } taken) return taken;

        var proof = new RecordProof(tx.Id, context.Height, context.Timestamp);
        context.CreateUser(p.PatientId, Role.Patient, p.OrganisationId, p.SigningKey, p.EncryptionKey);
        state.Set(StateKeys.Patient(p.PatientId), new PatientState(p.PatientId, p.OrganisationId, p.MrnIndex, 1, p.Record, proof).Encode());
        state.Set(StateKeys.Mrn(p.OrganisationId, p.MrnIndex), System.Text.Encoding.UTF8.GetBytes(p.PatientId));
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    public override string? PatientOfRecord(TxContext context, string recordId, int version) =>
        context.GetPatient(recordId) is { } patient && version >= 1 && version <= patient.Version ? patient.Id : null;
}
