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

/// <summary>A category key epoch re-wrapped by the patient for a grantee: it opens every record of that category and epoch.</summary>
/// <param name="Category">The single consent category.</param>
/// <param name="Epoch">The category key's epoch.</param>
/// <param name="Envelope">The category key, wrapped for the grantee.</param>
public sealed record GrantedCategoryKey(ConsentCategories Category, int Epoch, Envelope Envelope);

/// <summary>
/// The patient grants a doctor or an organisation access to their records (all, or chosen categories), optionally until a
/// time. Signed by the patient. It carries the keys in scope re-wrapped for the grantee, so consent is cryptographic and
/// not only a check: category keys (<see cref="CategoryKeys"/>, whatever the number of records: the host sends each
/// category's current epoch, which opens the earlier epochs down the key chain, see <see cref="CategoryKeyCrypto.SealPreviousKey"/>,
/// and any epoch the chain does not reach), and the data key of each record sealed before the key hierarchy, per record
/// (<see cref="Keys"/>). The grantee becomes a reader of each epoch sent. A new grant to the same grantee replaces the previous one.
/// </summary>
public sealed record GrantAccessPayload(string GrantId, string PatientId, GranteeKind Grantee, string GranteeId, ConsentCategories Categories,
    ulong ExpiresAt, IReadOnlyList<GrantedKey> Keys, IReadOnlyList<GrantedCategoryKey>? CategoryKeys = null) : TxPayload
{
    /// <summary>Most keys in one grant.</summary>
    public const int MaxKeys = 4096;

    /// <summary>Most category keys in one grant.</summary>
    public const int MaxCategoryKeys = 1024;

    /// <summary>The category keys (never null).</summary>
    public IReadOnlyList<GrantedCategoryKey> CategoryKeys { get; init; } = CategoryKeys ?? [];

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
        writer.VarUInt((ulong)CategoryKeys.Count);
        foreach (var k in CategoryKeys)
        {
            writer.U8((byte)k.Category).VarUInt((ulong)k.Epoch);
            k.Envelope.Write(writer);
        }
    }

    /// <inheritdoc/>
    public bool Equals(GrantAccessPayload? other) => other is not null && GrantId == other.GrantId && PatientId == other.PatientId
        && Grantee == other.Grantee && GranteeId == other.GranteeId && Categories == other.Categories && ExpiresAt == other.ExpiresAt && Keys.SequenceEqual(other.Keys)
        && CategoryKeys.SequenceEqual(other.CategoryKeys);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(GrantId, PatientId);
}

/// <summary>Executes <see cref="GrantAccessPayload"/>.</summary>
public sealed class GrantAccessHandler : TxKindHandler<GrantAccessPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.GrantAccess;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out GrantAccessPayload payload) => ReadFields(ref r, out payload);

    /// <summary>Reads a grant's fields (also inside an approval: <see cref="AnswerAccessRequestPayload"/>).</summary>
    internal static bool ReadFields(ref CanonicalReader r, out GrantAccessPayload payload)
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
        if (!r.VarInt32(out var categoryCount, GrantAccessPayload.MaxCategoryKeys, "category key count")) return false;
        var categoryKeys = new GrantedCategoryKey[categoryCount];
        for (var i = 0; i < categoryCount; i++)
        {
            r.U8(out var category);
            r.VarInt32(out var epoch, CategoryKeyWrap.MaxEpoch, "category key epoch");
            if (!Envelope.TryRead(ref r, out var envelope)) return false;
            categoryKeys[i] = new GrantedCategoryKey((ConsentCategories)category, epoch, envelope);
        }
        payload = new GrantAccessPayload(id, patient, (GranteeKind)kind, grantee, (ConsentCategories)categories, expires, keys, categoryKeys);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(GrantAccessPayload p) => ValidateFields(p);

    /// <summary>Checks a grant's fields (no state).</summary>
    internal static TxResult ValidateFields(GrantAccessPayload p)
    {
        if (!Identifiers.IsValid(p.GrantId)) return Invalid("grantId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.PatientId)) return Invalid("patientId", Identifiers.Rule);
        if (!Enum.IsDefined(p.Grantee)) return Invalid("grantee", "must be a doctor or an organisation");
        if (!Identifiers.IsValid(p.GranteeId)) return Invalid("granteeId", Identifiers.Rule);
        if (p.Categories == ConsentCategories.None || (p.Categories & ~ConsentCategories.All) != 0) return Invalid("categories", "choose at least one category");
        foreach (var k in p.CategoryKeys)
        {
            if (!CategoryKeyState.IsSingle(k.Category) || (p.Categories & k.Category) != k.Category) return Invalid("categoryKeys", "each key is for one category the grant covers");
            if (k.Epoch < 1) return Invalid("categoryKeys", "epochs start at 1");
        }
        if (p.CategoryKeys.Select(k => (k.Category, k.Epoch)).Distinct().Count() != p.CategoryKeys.Count) return Invalid("categoryKeys", "a category epoch appears twice");
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, GrantAccessPayload p) => Apply(context, tx, p);

    /// <summary>
    /// The grant path, shared by <see cref="TxKind.GrantAccess"/> and an approved <see cref="TxKind.AnswerAccessRequest"/>:
    /// the signer must be the patient; the grantee an existing doctor or organisation of an active member; every wrapped key
    /// addressed to the grantee and naming a record or category epoch of the patient. Writes the grant and its envelopes.
    /// </summary>
    internal static TxResult Apply(TxContext context, Transaction tx, GrantAccessPayload p)
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
        var epochs = new List<CategoryKeyState>(p.CategoryKeys.Count);
        foreach (var key in p.CategoryKeys)
        {
            if (key.Envelope.Recipient != granteeKey) return TxResult.Reject(TxVerdict.InvalidField, $"categoryKeys: the {key.Category} key of epoch {key.Epoch} is not wrapped for the grantee");
            if (CategoryKeyState.Get(context.State, p.PatientId, key.Category, key.Epoch) is not { } epoch)
            {
                return TxResult.Reject(TxVerdict.NotFound, $"categoryKeys: the patient has no {key.Category} key of epoch {key.Epoch}");
            }
            epochs.Add(epoch);
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

        // One envelope per category epoch, whatever the number of records: the grantee becomes a reader of the epoch.
        var readerKind = p.Grantee == GranteeKind.Doctor ? KeyReaderKind.Doctor : KeyReaderKind.Organisation;
        for (var i = 0; i < epochs.Count; i++)
        {
            var epoch = epochs[i];
            var readers = epoch.Readers.Where(r => r.Kind != readerKind || r.Id != p.GranteeId).Append(new CategoryKeyReader(readerKind, p.GranteeId, p.CategoryKeys[i].Envelope)).ToList();
            if (readers.Count > CategoryKeyState.MaxReaders) return TxResult.Reject(TxVerdict.Conflict, $"categoryKeys: the {epoch.Category} key of epoch {epoch.Epoch} has too many readers");
            context.State.Set(CategoryKeyState.Key(p.PatientId, epoch.Category, epoch.Epoch), (epoch with { Readers = readers }).Encode());
        }
        return TxResult.Ok;
    }

    // A grant to a suspended or removed organisation, or to a doctor of one, is refused: it is no longer a member.
    private static TxResult? InactiveMember(TxContext context, string organisationId) =>
        context.GetOrganisation(organisationId) is { Status: not OrganisationStatus.Active } org
            ? TxResult.Reject(TxVerdict.Conflict, $"organisation '{org.Id}' is {org.Status.ToString().ToLowerInvariant()}, not an active member: it cannot be granted access")
            : null;
}
