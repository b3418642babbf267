using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Records;

/// <summary>
/// Who may read which part of a patient's record, now: the patient themself; admins of the patient's organisation;
/// pharmacists of the patient's organisation their demographics and medication (for dispensing); doctors who attend the patient or hold an active grant (to them or their organisation) for the category. Expired
/// grants stop at their time because the check uses the clock, not a stored flag.
/// </summary>
public sealed class AccessPolicy(LedgerNode node, OrganisationKeys organisation, TimeProvider clock)
{
    private ulong Now => (ulong)clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Null when refused; otherwise the purpose recorded for the disclosure ("" for the patient's own reads). Refused
    /// unless the actor reaches every category of <paramref name="category"/>, or with <paramref name="anyOf"/> at least one.
    /// </summary>
    public string? Purpose(UserSession actor, string patientId, string patientOrganisationId, ConsentCategories category, bool anyOf = false)
    {
        var (shared, purpose) = Reach(actor, patientId, patientOrganisationId);
        var covered = shared & category;
        return category != ConsentCategories.None && (anyOf ? covered != ConsentCategories.None : covered == category) ? purpose : null;
    }

    /// <summary>
    /// What of the patient's record the actor reaches now, category by category, and the purpose of their reads: the
    /// patient and admins of the patient's organisation everything; a doctor everything while attending, else exactly
    /// the categories of their active grants (each category stands alone).
    /// </summary>
    public (ConsentCategories Shared, string Purpose) Reach(UserSession actor, string patientId, string patientOrganisationId)
    {
        switch (actor.Role)
        {
            case Role.Patient:
                return actor.UserId == patientId ? (ConsentCategories.All, "") : (ConsentCategories.None, "");
            case Role.Admin:
                return actor.OrganisationId == patientOrganisationId ? (ConsentCategories.All, "administration") : (ConsentCategories.None, "");
            case Role.Doctor:
                var state = new NodeState(node);
                if (Core.Records.Consent.Attends(state, actor.UserId, patientId, Now)) return (ConsentCategories.All, "treatment");
                var doctor = node.GetState(StateKeys.User(actor.UserId)) is { } u ? UserRecord.TryDecode(u) : null;
                return doctor is null ? (ConsentCategories.None, "") : (Core.Records.Consent.GrantedCategories(state, patientId, doctor, Now), "consented access");
            case Role.LabTechnician or Role.Pathologist:
                // Laboratory staff reach only laboratory data: of their own organisation's patients, or of patients whose active
                // grant to their organisation covers it (a laboratory organisation working for another member).
                if (actor.OrganisationId == patientOrganisationId) return (ConsentCategories.Laboratory, "laboratory");
                return Core.Records.Consent.CurrentGrant(new NodeState(node), patientId, GranteeKind.Organisation, actor.OrganisationId)?.Allows(ConsentCategories.Laboratory, Now) == true
                    ? (ConsentCategories.Laboratory, "laboratory (consented)")
                    : (ConsentCategories.None, "");
            case Role.Pharmacist:
                // What dispensing needs: who the patient is (name, allergies) and their medication, for the organisation's own patients.
                return actor.OrganisationId == patientOrganisationId ? (ConsentCategories.Demographics | ConsentCategories.Medication, "dispensing") : (ConsentCategories.None, "");
            default:
                return (ConsentCategories.None, "");
        }
    }

    /// <summary>True when the actor may amend the report now (its author, or an admin of the author's organisation: Core's rule at the host's time).</summary>
    public bool MayAmendReport(UserSession actor, string patientId, string patientOrganisationId, string reportId) =>
        node.GetState(StateKeys.User(actor.UserId)) is { } u && UserRecord.TryDecode(u) is { } user
        && Core.Records.Consent.MayAmendReport(new NodeState(node), user, patientId, patientOrganisationId, reportId, Now);

    /// <summary>Everyone holding an active grant of the patient for <paramref name="category"/>, with their encryption key.</summary>
    public IReadOnlyList<(KeyReaderKind Kind, string Id, EncryptionPublicKey Key)> Grantees(string patientId, ConsentCategories category)
    {
        var grantees = new List<(KeyReaderKind, string, EncryptionPublicKey)>();
        foreach (var grant in CurrentGrants(patientId))
        {
            if (!grant.Allows(category, Now)) continue;
            var key = grant.Grantee == GranteeKind.Doctor
                ? (node.GetState(StateKeys.User(grant.GranteeId)) is { } u ? UserRecord.TryDecode(u)?.EncryptionKey : null)
                : (node.GetState(StateKeys.Organisation(grant.GranteeId)) is { } o ? OrganisationRecord.TryDecode(o)?.EncryptionKey : null);
            if (key is { } k) grantees.Add((grant.Grantee == GranteeKind.Doctor ? KeyReaderKind.Doctor : KeyReaderKind.Organisation, grant.GranteeId, k));
        }
        return grantees;
    }

    /// <summary>
    /// The current grant of each grantee of <paramref name="patientId"/> (of <paramref name="kind"/> only, when given), active or
    /// not: read through the current-grant keys (<see cref="Core.Records.Consent.CurrentGrantPrefix"/>), so the cost follows the
    /// number of grantees, not of grants and revocations (every grant stays in the state as history).
    /// </summary>
    public IEnumerable<GrantState> CurrentGrants(string patientId, GranteeKind? kind = null)
    {
        foreach (var (_, id) in node.ScanState(Core.Records.Consent.CurrentGrantPrefix(patientId, kind)))
        {
            if (node.GetState(StateKeys.Grant(patientId, System.Text.Encoding.UTF8.GetString(id))) is { } bytes && GrantState.TryDecode(bytes) is { } grant) yield return grant;
        }
    }

    /// <summary>The care relationship of a doctor with a patient, or null.</summary>
    public CareState? Care(string patientId, string doctorId) => Core.Records.Consent.Care(new NodeState(node), patientId, doctorId);

    /// <summary>True when the actor is a doctor who attends the patient now (an active care relationship).</summary>
    public bool Attends(UserSession actor, string patientId) =>
        actor.Role == Role.Doctor && Core.Records.Consent.Attends(new NodeState(node), actor.UserId, patientId, Now);

    /// <summary>A registered user's encryption key; the organisation's for a user with no record (yet).</summary>
    public EncryptionPublicKey EncryptionKeyOf(string userId) =>
        node.GetState(StateKeys.User(userId)) is { } u && UserRecord.TryDecode(u) is { } user ? user.EncryptionKey : organisation.EncryptionKey;

    /// <summary>The node's committed state.</summary>
    public Core.State.IStateReader State => new NodeState(node);

    /// <summary>The node's committed state as an <see cref="Core.State.IStateReader"/>.</summary>
    private sealed class NodeState(LedgerNode node) : Core.State.IStateReader
    {
        public bool TryGet(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? value) => (value = node.GetState(key)) is not null;
    }
}
