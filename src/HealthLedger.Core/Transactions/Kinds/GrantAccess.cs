using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>A data key re-wrapped by the patient for a grantee: which record version it opens.</summary>
/// <param name="RecordId">Patient id (demographics), entry id or report id.</param>
/// <param name="Version">The record version.</param>
/// <param name="Envelope">The data key, wrapped for the grantee.</param>
public sealed record GrantedKey(string RecordId, int Version, Envelope Envelope);

/// <summary>
/// The patient grants a doctor or an organisation access to their records (all, or chosen categories), optionally until a
/// time. Signed by the patient. It carries the data keys of the records in scope re-wrapped for the grantee, so consent
/// is cryptographic and not only a check. A new grant to the same grantee replaces the previous one.
/// </summary>
public sealed record GrantAccessPayload(string GrantId, string PatientId, GranteeKind Grantee, string GranteeId, ConsentCategories Categories,
    ulong ExpiresAt, IReadOnlyList<GrantedKey> Keys) : TxPayload
{
    /// <summary>Most keys in one grant.</summary>
    public const int MaxKeys = 4096;

    /// <inheritdoc/>
    public override TxKind Kind => TxKind.GrantAccess;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(GrantId).Text(PatientId).U8((byte)Grantee).Text(GranteeId).U8((byte)Categories).VarUInt(ExpiresAt).VarUInt((ulong)Keys.Count);
        foreach (var k in Keys)
        {
            writer.Text(k.RecordId).VarUInt((ulong)k.Version);
            k.Envelope.Write(writer);
        }
    }

    /// <inheritdoc/>
    public bool Equals(GrantAccessPayload? other) => other is not null && GrantId == other.GrantId && PatientId == other.PatientId
        && Grantee == other.Grantee && GranteeId == other.GranteeId && Categories == other.Categories && ExpiresAt == other.ExpiresAt && Keys.SequenceEqual(other.Keys);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(GrantId, PatientId);
}

/// <summary>Executes <see cref="GrantAccessPayload"/>.</summary>
public sealed class GrantAccessHandler : TxKindHandler<GrantAccessPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.GrantAccess;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out GrantAccessPayload payload)
    {
        payload = null!;
        r.Text(out var id, Identifiers.MaxLength, "grant id");
        r.Text(out var patient, Identifiers.MaxLength, "patient id");
        r.U8(out var kind);
        r.Text(out var grantee, Identifiers.MaxLength, "grantee id");
        r.U8(out var categories);
        r.VarUInt(out var expires);
        if (!r.VarInt32(out var count, GrantAccessPayload.MaxKeys, "key count")) return false;
        var keys = new GrantedKey[count];
        for (var i = 0; i < count; i++)
        {
            r.Text(out var recordId, Identifiers.MaxLength, "record id");
            r.VarInt32(out var version, 1_000_000, "record version");
            if (!Envelope.TryRead(ref r, out var envelope)) return false;
            keys[i] = new GrantedKey(recordId, version, envelope);
        }
        payload = new GrantAccessPayload(id, patient, (GranteeKind)kind, grantee, (ConsentCategories)categories, expires, keys);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(GrantAccessPayload p)
    {
        if (!Identifiers.IsValid(p.GrantId)) return Invalid("grantId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.PatientId)) return Invalid("patientId", Identifiers.Rule);
        if (!Enum.IsDefined(p.Grantee)) return Invalid("grantee", "must be a doctor or an organisation");
        if (!Identifiers.IsValid(p.GranteeId)) return Invalid("granteeId", Identifiers.Rule);
        if (p.Categories == ConsentCategories.None || (p.Categories & ~ConsentCategories.All) != 0) return Invalid("categories", "choose at least one category");
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, GrantAccessPayload p)
    {
        if (context.SignerUser is not { Role: Role.Patient } signer || signer.Id != p.PatientId)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, "only the patient may grant access to their records");
        }
        if (p.ExpiresAt != 0 && p.ExpiresAt <= context.Timestamp) return TxResult.Reject(TxVerdict.InvalidField, "expiresAt: the expiry is already past");
        EncryptionPublicKey granteeKey;
        if (p.Grantee == GranteeKind.Doctor)
        {
            if (context.GetUser(p.GranteeId) is not { Role: Role.Doctor } doctor) return TxResult.Reject(TxVerdict.NotFound, $"doctor '{p.GranteeId}' does not exist");
            if (InactiveMember(context, doctor.OrganisationId) is { } inactive) return inactive;
            granteeKey = doctor.EncryptionKey;
        }
        else
        {
            if (context.GetOrganisation(p.GranteeId) is not { } org) return TxResult.Reject(TxVerdict.NotFound, $"organisation '{p.GranteeId}' does not exist");
            if (InactiveMember(context, org.Id) is { } inactive) return inactive;
            granteeKey = org.EncryptionKey;
        }
        if (context.State.Contains(StateKeys.Grant(p.PatientId, p.GrantId))) return TxResult.Reject(TxVerdict.AlreadyExists, $"grant id '{p.GrantId}' is taken");
        foreach (var key in p.Keys)
        {
            if (key.Envelope.Recipient != granteeKey) return TxResult.Reject(TxVerdict.InvalidField, $"keys: the key for '{key.RecordId}' is not wrapped for the grantee");
            if (!TxKinds.IsRecordOfPatient(context, key.RecordId, key.Version, p.PatientId)) return TxResult.Reject(TxVerdict.NotFound, $"keys: record '{key.RecordId}' version {key.Version} of this patient does not exist");
        }

        // A new grant to the same grantee replaces the previous one.
        if (Consent.CurrentGrant(context.State, p.PatientId, p.Grantee, p.GranteeId) is { RevokedAt: 0 } previous)
        {
            context.State.Set(StateKeys.Grant(p.PatientId, previous.Id), (previous with { RevokedAt = context.Timestamp }).Encode());
        }
        var grant = new GrantState(p.GrantId, p.PatientId, p.Grantee, p.GranteeId, p.Categories, p.ExpiresAt, context.Timestamp, 0,
            new RecordProof(tx.Id, context.Height, context.Timestamp));
        context.State.Set(StateKeys.Grant(p.PatientId, p.GrantId), grant.Encode());
        context.State.Set(Consent.CurrentGrantKey(p.PatientId, p.Grantee, p.GranteeId), System.Text.Encoding.UTF8.GetBytes(p.GrantId));
        foreach (var key in p.Keys)
        {
            var w = new CanonicalWriter(128);
            key.Envelope.Write(w);
            context.State.Set($"keyfor/{key.RecordId}/{key.Version:D6}/{p.GranteeId}", w.ToArray());
        }
        return TxResult.Ok;
    }

    // A grant to a suspended or removed organisation, or to a doctor of one, is refused: it is no longer a member.
    private static TxResult? InactiveMember(TxContext context, string organisationId) =>
        context.GetOrganisation(organisationId) is { Status: not OrganisationStatus.Active } org
            ? TxResult.Reject(TxVerdict.Conflict, $"organisation '{org.Id}' is {org.Status.ToString().ToLowerInvariant()}, not an active member: it cannot be granted access")
            : null;
}
