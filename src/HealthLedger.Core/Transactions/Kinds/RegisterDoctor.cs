using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>Registers a doctor: their login (role doctor, with their keys) and their sealed directory entry. Admins only.</summary>
/// <param name="DoctorId">Doctor id and login user id.</param>
/// <param name="OrganisationId">The organisation.</param>
/// <param name="SigningKey">The doctor's Ed25519 key.</param>
/// <param name="EncryptionKey">The doctor's X25519 key.</param>
/// <param name="Record">The sealed directory entry (version 1).</param>
public sealed record RegisterDoctorPayload(string DoctorId, string OrganisationId, SigningPublicKey SigningKey, EncryptionPublicKey EncryptionKey, SealedRecordRef Record) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.RegisterDoctor;

    /// <inheritdoc/>
    public override IEnumerable<SealedRecordRef> Records => [Record];

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(DoctorId).Text(OrganisationId).Key(SigningKey).Key(EncryptionKey);
        Record.Write(writer);
    }
}

/// <summary>Executes <see cref="RegisterDoctorPayload"/>.</summary>
public sealed class RegisterDoctorHandler : TxKindHandler<RegisterDoctorPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.RegisterDoctor;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out RegisterDoctorPayload payload)
    {
        payload = null!;
        r.Text(out var id, Identifiers.MaxLength, "doctor id");
        r.Text(out var org, Identifiers.MaxLength, "organisation id");
        r.Key(out SigningPublicKey signing, "signing key");
        r.Key(out EncryptionPublicKey encryption, "encryption key");
        if (!SealedRecordRef.TryRead(ref r, out var record)) return false;
        payload = new RegisterDoctorPayload(id, org, signing, encryption, record);
        return true;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(RegisterDoctorPayload p)
    {
        if (!Identifiers.IsValid(p.DoctorId)) return Invalid("doctorId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.OrganisationId)) return Invalid("organisationId", Identifiers.Rule);
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, RegisterDoctorPayload p)
    {
        if (context.RequireAdminOf(p.OrganisationId, "register its doctors") is { } denied) return denied;
        var org = context.GetOrganisation(p.OrganisationId);
        if (org is null) return TxResult.Reject(TxVerdict.NotFound, $"organisation '{p.OrganisationId}' does not exist");
        if (Governance.Consortium.RescueServiceRegistrationProblem(context.State, p.OrganisationId, Role.Doctor) is { } rescueOnly) return rescueOnly;
        if (TxContext.RequireEnvelopes(p.Record, ("the organisation", org.EncryptionKey)) is { } missing) return missing;
        if (context.RequireNewUser(p.DoctorId, p.SigningKey) is { } taken) return taken;
        context.CreateUser(p.DoctorId, Role.Doctor, p.OrganisationId, p.SigningKey, p.EncryptionKey);
        context.State.Set(StateKeys.Doctor(p.DoctorId), new DoctorState(p.DoctorId, p.OrganisationId, 1, p.Record, new RecordProof(tx.Id, context.Height, context.Timestamp)).Encode());
        return TxResult.Ok;
    }
}
