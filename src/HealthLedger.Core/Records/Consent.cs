using HealthLedger.Core.Model;
using HealthLedger.Core.State;

namespace HealthLedger.Core.Records;

/// <summary>
/// The consent rules shared by the state machine (writes, at block time) and the node (reads, at the host's time):
/// a doctor reaches a patient's data in a category when they attend the patient (an active care relationship:
/// <see cref="CareState"/>), or when an active grant of the patient covers that category for the doctor or for the
/// doctor's organisation.
/// </summary>
public static class Consent
{
    /// <summary>The key that records a grantee's current grant of a patient.</summary>
    public static string CurrentGrantKey(string patientId, GranteeKind kind, string granteeId) => $"grantee/{patientId}/{(byte)kind}/{granteeId}";

    /// <summary>
    /// The prefix of a patient's current-grant keys (<see cref="CurrentGrantKey"/>), of one kind of grantee or all: one key per
    /// grantee ever granted, whatever the number of grants and revocations since — only a current grant can be active, as a
    /// new grant to the same grantee replaces the previous one.
    /// </summary>
    public static string CurrentGrantPrefix(string patientId, GranteeKind? kind = null) =>
        kind is { } k ? $"grantee/{patientId}/{(byte)k}/" : $"grantee/{patientId}/";

    /// <summary>The current grant of a patient to a grantee, or null.</summary>
    public static GrantState? CurrentGrant(IStateReader state, string patientId, GranteeKind kind, string granteeId)
    {
        if (!state.TryGet(CurrentGrantKey(patientId, kind, granteeId), out var idBytes)) return null;
        var grantId = System.Text.Encoding.UTF8.GetString(idBytes);
        return state.TryGet(StateKeys.Grant(patientId, grantId), out var bytes) ? GrantState.TryDecode(bytes) : null;
    }

    /// <summary>True when an active grant (to the doctor, or to their organisation) covers <paramref name="category"/> at <paramref name="now"/>.</summary>
    public static bool GrantAllows(IStateReader state, string patientId, UserRecord doctor, ConsentCategories category, ulong now) =>
        CurrentGrant(state, patientId, GranteeKind.Doctor, doctor.Id)?.Allows(category, now) == true
        || CurrentGrant(state, patientId, GranteeKind.Organisation, doctor.OrganisationId)?.Allows(category, now) == true;

    /// <summary>
    /// The categories active grants (to the doctor, or to their organisation) cover at <paramref name="now"/>: each
    /// category stands alone, so a grant of only encounters reaches encounters and nothing else.
    /// </summary>
    public static ConsentCategories GrantedCategories(IStateReader state, string patientId, UserRecord doctor, ulong now)
    {
        var result = ConsentCategories.None;
        if (CurrentGrant(state, patientId, GranteeKind.Doctor, doctor.Id) is { } own && own.IsActiveAt(now)) result |= own.Categories;
        if (CurrentGrant(state, patientId, GranteeKind.Organisation, doctor.OrganisationId) is { } org && org.IsActiveAt(now)) result |= org.Categories;
        return result & ConsentCategories.All;
    }

    /// <summary>The care relationship of the doctor with the patient, or null.</summary>
    public static CareState? Care(IStateReader state, string patientId, string doctorId) =>
        state.TryGet(StateKeys.Care(patientId, doctorId), out var bytes) ? CareState.TryDecode(bytes) : null;

    /// <summary>True when the doctor attends the patient at <paramref name="now"/>: a care relationship active then.</summary>
    public static bool Attends(IStateReader state, string doctorId, string patientId, ulong now) => Care(state, patientId, doctorId)?.IsActiveAt(now) == true;

    /// <summary>
    /// True when the doctor may reach the patient's data in every category of <paramref name="category"/> at
    /// <paramref name="now"/>: what the doctor reaches is <see cref="DoctorCategories"/>.
    /// </summary>
    public static bool DoctorMay(IStateReader state, string patientId, UserRecord doctor, ConsentCategories category, ulong now) =>
        category != ConsentCategories.None && (DoctorCategories(state, patientId, doctor, now) & category) == category;

    /// <summary>
    /// True when <paramref name="signer"/> may amend the report (a new version): its author (the signer of version 1)
    /// while they still reach the patient's reports, or an admin of the author's organisation when that organisation
    /// holds the patient's record or an active organisation grant for reports. A grant for reports lets a doctor add
    /// reports, never amend another doctor's. The state machine and the node's door use this one rule.
    /// </summary>
    public static bool MayAmendReport(IStateReader state, UserRecord signer, string patientId, string patientOrganisationId, string reportId, ulong now)
    {
        if (!state.TryGet(StateKeys.ReportVersion(reportId, 1), out var first) || ReportState.TryDecode(first) is not { } original) return false;
        if (signer.Role == Role.Doctor) return signer.Id == original.AuthorId && DoctorMay(state, patientId, signer, ConsentCategories.Reports, now);
        if (signer.Role != Role.Admin || !state.TryGet(StateKeys.User(original.AuthorId), out var a) || UserRecord.TryDecode(a) is not { } author) return false;
        return author.OrganisationId == signer.OrganisationId
            && (patientOrganisationId == signer.OrganisationId || CurrentGrant(state, patientId, GranteeKind.Organisation, signer.OrganisationId)?.Allows(ConsentCategories.Reports, now) == true);
    }

    /// <summary>Every category the doctor reaches at <paramref name="now"/>: all while attending, else what active grants cover.</summary>
    public static ConsentCategories DoctorCategories(IStateReader state, string patientId, UserRecord doctor, ulong now) =>
        Attends(state, doctor.Id, patientId, now) ? ConsentCategories.All : GrantedCategories(state, patientId, doctor, now);
}
