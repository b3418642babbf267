using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Hospital;

/// <summary>A grant as shown to people: the grant, who it is for, and whether it works now.</summary>
public sealed record GrantView(GrantState Grant, string GranteeName, bool Active);

/// <summary>A recorded disclosure with the block that holds it.</summary>
public sealed record DisclosureView(DisclosureEvent Event, ulong Height);

/// <summary>A consent grant form / request body.</summary>
public sealed class GrantInput
{
    /// <summary>doctor or organisation.</summary>
    public string? GranteeKind { get; set; }
    public string? GranteeId { get; set; }
    /// <summary>all, or any of demographics, encounters, account, reports.</summary>
    public List<string>? Categories { get; set; }
    /// <summary>When the grant stops by itself (UTC); none when empty.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }
}

/// <summary>
/// Consent (grants and revocations, signed by the patient, with the data keys re-wrapped for the grantee by the patient's
/// own session) and the disclosure trail (who read what, when, why, and the refused attempts).
/// </summary>
public sealed class ConsentService(LedgerNode node, HospitalRecords records, HospitalService hospital, TimeProvider clock)
{
    private ulong Now => (ulong)clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>A patient's grants, newest first (the patient, or an admin of their organisation).</summary>
    public Outcome<IReadOnlyList<GrantView>> Grants(UserSession actor, string patientId)
    {
        if (CanManage(actor, patientId) is { } denied) return denied.As<IReadOnlyList<GrantView>>();
        var grants = node.ScanState($"grant/{patientId}/").Select(g => GrantState.TryDecode(g.Value)).OfType<GrantState>()
            .OrderByDescending(g => g.GrantedAt).Select(g => new GrantView(g, GranteeName(g), g.IsActiveAt(Now))).ToList();
        return Outcome<IReadOnlyList<GrantView>>.Ok(grants);
    }

    /// <summary>The patient grants access: their session unwraps the data keys in scope and re-wraps them for the grantee.</summary>
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
        var categories = ParseCategories(input.Categories, errors);
        var expires = 0UL;
        if (input.ExpiresAt is { } at)
        {
            if (at <= clock.GetUtcNow()) errors.Add("expiresAt", "The expiry must be in the future.");
            else expires = (ulong)at.ToUnixTimeMilliseconds();
        }
        if (!errors.IsEmpty) return Outcome<WriteResult>.Invalid(errors);

        var keys = new List<GrantedKey>();
        foreach (var (recordId, version, reference) in RecordsInScope(patientId, categories))
        {
            var dataKey = RecordSealer.OpenDataKey(recordId, version, reference, actor.Keys.Encryption);
            if (dataKey is null) continue;
            try
            {
                keys.Add(new GrantedKey(recordId, version, RecordCrypto.Wrap(dataKey, granteeKey!.Value, RandomNumberGenerator.GetBytes(32), SealedRecordRef.Aad(recordId, version))));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(dataKey);
            }
        }
        var grantId = "gr-" + RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyz23456789", 10);
        var payload = new GrantAccessPayload(grantId, patientId, kind, granteeId, categories, expires, keys.Take(GrantAccessPayload.MaxKeys).ToList());
        return await hospital.SubmitAsync(actor, payload, new Dictionary<Hash256, byte[]>(), grantId, ct);
    }

    /// <summary>The patient revokes a grant.</summary>
    public async Task<Outcome<WriteResult>> RevokeAsync(UserSession actor, string patientId, string grantId, CancellationToken ct)
    {
        if (actor.Role != Role.Patient || actor.UserId != patientId) return Outcome<WriteResult>.Forbidden("Only the patient revokes their grants.");
        var grant = node.GetState(StateKeys.Grant(patientId, grantId)) is { } g ? GrantState.TryDecode(g) : null;
        if (grant is null) return Outcome<WriteResult>.NotFound($"Grant '{grantId}' does not exist.");
        if (grant.RevokedAt != 0) return Outcome<WriteResult>.Invalid(FieldErrors.One("grantId", "The grant is already revoked."));
        return await hospital.SubmitAsync(actor, new RevokeAccessPayload(grantId, patientId), new Dictionary<Hash256, byte[]>(), grantId, ct);
    }

    /// <summary>Who read a patient's data (and who was refused), newest first: the patient, or an admin of their organisation.</summary>
    public Outcome<IReadOnlyList<DisclosureView>> Disclosures(UserSession actor, string patientId)
    {
        if (CanManage(actor, patientId) is { } denied) return denied.As<IReadOnlyList<DisclosureView>>();
        return Outcome<IReadOnlyList<DisclosureView>>.Ok(Read(patientId).OrderByDescending(d => d.Event.At).ToList());
    }

    /// <summary>The organisation's disclosure trail (admins), filtered, newest first.</summary>
    public Outcome<IReadOnlyList<DisclosureView>> AuditTrail(UserSession actor, string? patientId, string? actorId, bool? allowed, DateOnly? from, DateOnly? to)
    {
        if (actor.Role != Role.Admin) return Outcome<IReadOnlyList<DisclosureView>>.Forbidden("Only admins read the organisation's audit trail.");
        var patients = string.IsNullOrWhiteSpace(patientId) ? records.Patients(actor.OrganisationId).Select(p => p.Id) : [patientId.Trim()];
        IEnumerable<DisclosureView> all = patients.Where(p => records.Patient(p)?.OrganisationId == actor.OrganisationId).SelectMany(Read);
        if (!string.IsNullOrWhiteSpace(actorId)) all = all.Where(d => d.Event.ActorId == actorId.Trim().ToLowerInvariant());
        if (allowed is { } a) all = all.Where(d => d.Event.Allowed == a);
        if (from is { } f) all = all.Where(d => DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds((long)d.Event.At).UtcDateTime) >= f);
        if (to is { } t) all = all.Where(d => DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds((long)d.Event.At).UtcDateTime) <= t);
        return Outcome<IReadOnlyList<DisclosureView>>.Ok(all.OrderByDescending(d => d.Event.At).ToList());
    }

    private IEnumerable<DisclosureView> Read(string patientId) =>
        node.ScanState($"disclosure/{patientId}/").Select(e => (Event: DisclosureEvent.TryDecode(e.Value), Key: e.Key))
            .Where(e => e.Event is not null)
            .Select(e => new DisclosureView(e.Event!, ulong.Parse(e.Key.Split('/')[2], System.Globalization.CultureInfo.InvariantCulture)));

    private Outcome<object>? CanManage(UserSession actor, string patientId)
    {
        var patient = records.Patient(patientId);
        if (patient is null) return Outcome<object>.NotFound($"Patient '{patientId}' does not exist.");
        var allowed = (actor.Role == Role.Patient && actor.UserId == patientId) || (actor.Role == Role.Admin && actor.OrganisationId == patient.OrganisationId);
        return allowed ? null : Outcome<object>.Forbidden("Only the patient (or an admin of their organisation) sees their grants and access history.");
    }

    private string GranteeName(GrantState g) => g.Grantee == GranteeKind.Doctor
        ? records.Doctor(g.GranteeId)?.Details.Name ?? g.GranteeId
        : node.GetState(StateKeys.Organisation(g.GranteeId)) is { } o ? OrganisationRecord.TryDecode(o)?.Name ?? g.GranteeId : g.GranteeId;

    private IEnumerable<(string Id, int Version, SealedRecordRef Ref)> RecordsInScope(string patientId, ConsentCategories categories)
    {
        if (categories.HasFlag(ConsentCategories.Demographics) && node.GetState(StateKeys.Patient(patientId)) is { } p && PatientState.TryDecode(p) is { } patient)
        {
            yield return (patientId, patient.Version, patient.Record);
        }
        foreach (var entry in records.Entries(patientId))
        {
            var category = entry.Type is EntryType.Charge or EntryType.Payment ? ConsentCategories.Account : ConsentCategories.Encounters;
            if (categories.HasFlag(category) && node.GetState(StateKeys.Entry(entry.Id)) is { } e && EntryState.TryDecode(e) is { } state) yield return (entry.Id, 1, state.Record);
        }
        if (categories.HasFlag(ConsentCategories.Reports))
        {
            foreach (var report in records.Reports(patientId))
            {
                foreach (var version in records.ReportVersions(report.Id)) yield return (version.Id, version.Version, version.State.Record);
            }
        }
    }

    /// <summary>Parses category names ("all", "demographics", "encounters", "account", "reports").</summary>
    public static ConsentCategories ParseCategories(IEnumerable<string>? names, FieldErrors errors)
    {
        var result = ConsentCategories.None;
        foreach (var name in names ?? [])
        {
            result |= name.Trim().ToLowerInvariant() switch
            {
                "all" => ConsentCategories.All,
                "demographics" => ConsentCategories.Demographics,
                "encounters" => ConsentCategories.Encounters,
                "account" => ConsentCategories.Account,
                "reports" => ConsentCategories.Reports,
                _ => Invalid(name),
            };
        }
        if (result == ConsentCategories.None && errors.IsEmpty) errors.Add("categories", "Choose what to share: all, or any of demographics, encounters, account, reports.");
        return result;

        ConsentCategories Invalid(string name)
        {
            errors.Add("categories", $"'{name}' is not a category (all, demographics, encounters, account, reports).");
            return ConsentCategories.None;
        }
    }
}
