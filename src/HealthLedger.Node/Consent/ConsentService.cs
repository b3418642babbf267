using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Consent;

/// <summary>
/// Consent: grants and revocations, signed by the patient. A grant carries the patient's category keys in scope, re-wrapped
/// for the grantee by the patient's own session: each category's current epoch, which opens the earlier ones down the key
/// chain, and any epoch the chain does not reach — whatever the number of records. It also carries the data keys of
/// versions sealed before the category had a key (from every registered record kind,
/// <see cref="RecordReadModel.DataKeyedVersions"/>), one per version.
/// </summary>
public sealed class ConsentService(LedgerNode node, RecordReadModel readModel, PatientService patients, DoctorDirectory doctors, RecordWriter writer, AccessPolicy policy,
    TimeProvider clock, HospitalTime time, CategoryKeyring keyring, GrantIndex index)
{
    private ulong Now => (ulong)clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>A patient's grants, newest first (the patient, or an admin of their organisation).</summary>
    public Outcome<IReadOnlyList<GrantView>> Grants(UserSession actor, string patientId)
    {
        if (patients.CanManage(actor, patientId) is { } denied) return denied.As<IReadOnlyList<GrantView>>();
        var grants = node.ScanState($"grant/{patientId}/").Select(g => GrantState.TryDecode(g.Value)).OfType<GrantState>()
            .OrderByDescending(g => g.GrantedAt).Select(g => new GrantView(g, GranteeName(g), g.IsActiveAt(Now))).ToList();
        return Outcome<IReadOnlyList<GrantView>>.Ok(grants);
    }

    /// <summary>
    /// One grant by its id alone (found through <see cref="GrantIndex"/>, not by scanning every grant), as
    /// <see cref="Grants"/> shows it to <paramref name="actor"/>: 404 when there is no such grant, the refusal of
    /// <see cref="Grants"/> (403) when the actor may not see the patient's grants.
    /// </summary>
    public Outcome<GrantView> Grant(UserSession actor, string grantId)
    {
        Outcome<GrantView>? refused = null;
        foreach (var patientId in index.PatientsOf(grantId))
        {
            var grants = Grants(actor, patientId);
            if (!grants.IsOk)
            {
                refused ??= grants.As<GrantView>();
                continue;
            }
            if (grants.Value!.FirstOrDefault(g => g.Grant.Id == grantId) is { } found) return Outcome<GrantView>.Ok(found);
        }
        return refused ?? Outcome<GrantView>.NotFound(Missing.Message("Grant", grantId));
    }

    /// <summary>The patient grants access: their session unwraps the keys in scope and re-wraps them for the grantee.</summary>
    public async Task<Outcome<WriteResult>> GrantAsync(UserSession actor, string patientId, GrantInput input, CancellationToken ct)
    {
        if (actor.Role != Role.Patient || actor.UserId != patientId) return Outcome<WriteResult>.Forbidden("Only the patient grants access to their records.");
        var errors = new FieldErrors();
        var kind = (input.GranteeKind ?? "doctor").Trim().ToLowerInvariant() switch { "doctor" => GranteeKind.Doctor, "organisation" => GranteeKind.Organisation, _ => (GranteeKind)0 };
        if (kind == 0) errors.Add("granteeKind", "Grantee kind must be doctor or organisation.");
        var granteeId = (input.GranteeId ?? "").Trim().ToLowerInvariant();
        EncryptionPublicKey? granteeKey = kind switch
        {
            GranteeKind.Doctor => node.GetState(StateKeys.User(granteeId)) is { } u && UserRecord.TryDecode(u) is { Role: Role.Doctor } d ? d.EncryptionKey : null,
            GranteeKind.Organisation => node.GetState(StateKeys.Organisation(granteeId)) is { } o ? OrganisationRecord.TryDecode(o)?.EncryptionKey : null,
            _ => null,
        };
        if (kind != 0 && granteeKey is null) errors.Add("granteeId", $"Unknown {kind.ToString().ToLowerInvariant()}.");
        // The grantee's organisation (any member of the consortium) must be active: the state machine refuses the grant otherwise.
        var granteeOrganisation = kind == GranteeKind.Organisation ? granteeId
            : node.GetState(StateKeys.User(granteeId)) is { } gu ? UserRecord.TryDecode(gu)?.OrganisationId : null;
        if (granteeKey is not null && granteeOrganisation is not null && Organisation(granteeOrganisation) is { Status: not OrganisationStatus.Active } inactive)
        {
            errors.Add("granteeId", $"{inactive.Name} is {inactive.Status.ToString().ToLowerInvariant()} from the consortium: it can be granted nothing.");
        }
        var categories = ParseCategories(input.Categories, errors);
        var expires = 0UL;
        if (!string.IsNullOrWhiteSpace(input.ExpiresAt) && time.Parse(errors, "expiresAt", input.ExpiresAt, "The expiry", dateIsEndOfDay: true) is { } at)
        {
            if (at <= time.Now) errors.Add("expiresAt", "The expiry must be in the future.");
            else expires = (ulong)at.ToUnixTimeMilliseconds();
        }
        if (!errors.IsEmpty) return Outcome<WriteResult>.Invalid(errors);

        var (keys, categoryKeys) = GrantKeys(actor, patientId, categories, granteeKey!.Value);
        if (TooManyKeys(keys, categoryKeys) is { } tooMany) return Outcome<WriteResult>.Invalid(FieldErrors.One("categories", tooMany));
        var grantId = RecordIds.New("gr");
        var payload = new GrantAccessPayload(grantId, patientId, kind, granteeId, categories, expires, keys, categoryKeys);
        return await writer.SubmitAsync(actor, payload, RecordWriter.NoBlobs, grantId, ct, GrantTooLarge("categories"));
    }

    /// <summary>
    /// The keys a grant of <paramref name="categories"/> carries, re-wrapped by the patient's own session for
    /// <paramref name="granteeKey"/>: the current epoch of each category key (the grantee opens the earlier ones down the key
    /// chain, <see cref="CategoryKeyCrypto.SealPreviousKey"/>) and any epoch the chain does not reach, and the data key of each
    /// version sealed before the key hierarchy (all of them, newest epochs first: <see cref="TooManyKeys"/> says when they do
    /// not fit one grant).
    /// Used by a grant and by the approval of an access request alike.
    /// </summary>
    public (IReadOnlyList<GrantedKey> Keys, IReadOnlyList<GrantedCategoryKey> CategoryKeys) GrantKeys(UserSession actor, string patientId, ConsentCategories categories,
        EncryptionPublicKey granteeKey)
    {
        var categoryKeys = new List<GrantedCategoryKey>();
        foreach (var category in CategoryKeyState.Singles(categories))
        {
            // The current epoch opens every earlier one down the key chain. An epoch is wrapped too when the grantee would not
            // reach it: the epoch above was not given, or the key given for it (from the patient's envelope) is not the one the
            // organisation holds (the opener of an epoch chooses every envelope of it), or its link is missing (a gap, or epochs
            // opened before the chain existed) or does not open to this epoch's key (checked with the organisation's own keys). Newest first; the walk
            // stops where the grantee reaches the part of the chain already checked down to epoch 1 (each link is checked once).
            var current = CategoryKeyState.CurrentEpoch(policy.State, patientId, category);
            var reachesAbove = false;
            for (var epoch = current; epoch >= 1; epoch--)
            {
                if (reachesAbove && keyring.ChainSoundFrom(patientId, category, epoch + 1)) break;
                if (reachesAbove && keyring.LinkHolds(patientId, category, epoch + 1)) continue;
                var key = keyring.OpenCategoryKey(patientId, category, epoch, actor.Keys.Encryption);
                // The links below are checked with the organisation's keys: they hold for the grantee only if this key is the organisation's.
                reachesAbove = key is not null && keyring.IsOwnKey(patientId, category, epoch, key);
                if (key is null) continue;
                try
                {
                    categoryKeys.Add(new GrantedCategoryKey(category, epoch,
                        CategoryKeyCrypto.WrapForReader(key, granteeKey, RandomNumberGenerator.GetBytes(32), patientId, (byte)category, epoch)));
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(key);
                }
            }
        }
        var keys = new List<GrantedKey>();
        // Versions sealed before the category had a key (per-reader envelopes): each data key re-wrapped. Looked up per
        // patient; every other version is reached through the category keys above.
        foreach (var (recordId, version, reference, _) in readModel.DataKeyedVersions(patientId, categories))
        {
            var dataKey = RecordSealer.OpenDataKey(recordId, version, reference, actor.Keys.Encryption);
            if (dataKey is null) continue;
            try
            {
                keys.Add(new GrantedKey(recordId, version, RecordCrypto.Wrap(dataKey, granteeKey, RandomNumberGenerator.GetBytes(32), SealedRecordRef.Aad(recordId, version))));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(dataKey);
            }
        }
        return (keys, categoryKeys);
    }

    /// <summary>
    /// Why a grant of these keys cannot be one transaction (more than <see cref="GrantAccessPayload.MaxKeys"/> or
    /// <see cref="GrantAccessPayload.MaxCategoryKeys"/> keys), or null. A grant is never sent with keys left out: the grantee
    /// would be granted records it cannot open, and nobody told.
    /// </summary>
    public static string? TooManyKeys(IReadOnlyList<GrantedKey> keys, IReadOnlyList<GrantedCategoryKey> categoryKeys) =>
        keys.Count > GrantAccessPayload.MaxKeys || categoryKeys.Count > GrantAccessPayload.MaxCategoryKeys
            ? $"These categories need {keys.Count + categoryKeys.Count} keys, more than one grant can carry ({GrantAccessPayload.MaxKeys} record keys and " +
              $"{GrantAccessPayload.MaxCategoryKeys} category keys): grant fewer categories at a time. Nothing was granted."
            : null;

    /// <summary>The field error of a grant the ledger refuses as too large (its keys over the network's transaction size).</summary>
    public static Func<TxVerdict, FieldErrors?> GrantTooLarge(string field) => verdict => verdict == TxVerdict.TooLarge
        ? FieldErrors.One(field, "These categories need more keys than one grant transaction can carry: grant fewer categories at a time. Nothing was granted.")
        : null;

    /// <summary>The patient revokes a grant.</summary>
    public async Task<Outcome<WriteResult>> RevokeAsync(UserSession actor, string patientId, string grantId, CancellationToken ct)
    {
        if (actor.Role != Role.Patient || actor.UserId != patientId) return Outcome<WriteResult>.Forbidden("Only the patient revokes their grants.");
        var grant = node.GetState(StateKeys.Grant(patientId, grantId)) is { } g ? GrantState.TryDecode(g) : null;
        if (grant is null) return Outcome<WriteResult>.NotFound(Missing.Message("Grant", grantId));
        if (grant.RevokedAt != 0) return Outcome<WriteResult>.Invalid(FieldErrors.One("grantId", "The grant is already revoked."));
        return await writer.SubmitAsync(actor, new RevokeAccessPayload(grantId, patientId), RecordWriter.NoBlobs, grantId, ct);
    }

    /// <summary>
    /// A patient's care relationships (doctors who attend or attended them), active first, then newest (the patient, or an
    /// admin of their organisation).
    /// </summary>
    public Outcome<IReadOnlyList<CareView>> CareRelationships(UserSession actor, string patientId)
    {
        if (patients.CanManage(actor, patientId) is { } denied) return denied.As<IReadOnlyList<CareView>>();
        var now = Now;
        var list = node.ScanState($"care/{patientId}/").Select(c => CareState.TryDecode(c.Value)).OfType<CareState>()
            .Select(c => new CareView(c, doctors.Doctor(c.DoctorId)?.Details.Name ?? c.DoctorId, c.IsActiveAt(now), c.IsActiveAt(now) && !c.Admitted))
            .OrderByDescending(c => c.Active).ThenByDescending(c => c.Care.Since).ToList();
        return Outcome<IReadOnlyList<CareView>>.Ok(list);
    }

    /// <summary>The patient ends a doctor's care relationship with them; refused while they are admitted under that doctor.</summary>
    public async Task<Outcome<WriteResult>> EndCareAsync(UserSession actor, string patientId, string doctorId, CancellationToken ct)
    {
        if (actor.Role != Role.Patient || actor.UserId != patientId) return Outcome<WriteResult>.Forbidden("Only the patient ends a care relationship with them.");
        var care = policy.Care(patientId, doctorId);
        if (care is null) return Outcome<WriteResult>.NotFound($"Doctor '{Missing.Shown(doctorId)}' has no care relationship with you.");
        if (!care.IsActiveAt(Now)) return Outcome<WriteResult>.Invalid(FieldErrors.One("doctorId", "This care relationship has already ended."));
        if (care.Admitted) return Outcome<WriteResult>.Invalid(FieldErrors.One("doctorId", "You are admitted under this doctor; the relationship ends with your discharge."));
        return await writer.SubmitAsync(actor, new EndCarePayload(patientId, doctorId), RecordWriter.NoBlobs, doctorId, ct);
    }

    /// <summary>The active member organisations (possible organisation grantees), by name.</summary>
    public IReadOnlyList<OrganisationRecord> MemberOrganisations() =>
        node.ScanState("org/").Select(o => OrganisationRecord.TryDecode(o.Value)).OfType<OrganisationRecord>()
            .Where(o => o.Status == OrganisationStatus.Active).OrderBy(o => o.Name, StringComparer.OrdinalIgnoreCase).ToList();

    private OrganisationRecord? Organisation(string id) => node.GetState(StateKeys.Organisation(id)) is { } o ? OrganisationRecord.TryDecode(o) : null;

    private string GranteeName(GrantState g) => g.Grantee == GranteeKind.Doctor
        ? doctors.Doctor(g.GranteeId)?.Details.Name ?? g.GranteeId
        : node.GetState(StateKeys.Organisation(g.GranteeId)) is { } o ? OrganisationRecord.TryDecode(o)?.Name ?? g.GranteeId : g.GranteeId;

    /// <summary>Parses category names ("all", "demographics", "encounters", "account", "reports", "laboratory", "medication").</summary>
    public static ConsentCategories ParseCategories(IEnumerable<string>? names, FieldErrors errors)
    {
        var result = ConsentCategories.None;
        foreach (var name in names ?? [])
        {
            result |= (name ?? "").Trim().ToLowerInvariant() switch
            {
                "all" => ConsentCategories.All,
                "demographics" => ConsentCategories.Demographics,
                "encounters" => ConsentCategories.Encounters,
                "account" => ConsentCategories.Account,
                "reports" => ConsentCategories.Reports,
                "laboratory" => ConsentCategories.Laboratory,
                "medication" => ConsentCategories.Medication,
                _ => Invalid(name ?? "null"),
            };
        }
        if (result == ConsentCategories.None && errors.IsEmpty) errors.Add("categories", "Choose what to share: all, or any of demographics, encounters, account, reports, laboratory, medication.");
        return result;

        ConsentCategories Invalid(string name)
        {
            errors.Add("categories", $"'{name}' is not a category (all, demographics, encounters, account, reports, laboratory, medication).");
            return ConsentCategories.None;
        }
    }
}
