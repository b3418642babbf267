using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Node.Security;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Records;

/// <summary>
/// The server-side door of every read of a patient's record, for the UI and the API alike: asks the
/// <see cref="AccessPolicy"/>, records the read (or the refused attempt) as a disclosure when someone other than the
/// patient reads, and logs refusals with user id, role, action and target id (never PHI).
/// </summary>
public sealed class RecordAccess(AccessPolicy policy, DisclosureRecorder disclosures, ILogger<RecordAccess> logger)
{
    /// <summary>
    /// Null when <paramref name="actor"/> may read <paramref name="category"/> of the patient now; otherwise the refusal.
    /// With <paramref name="record"/> the read (or the refused attempt) is stored durably as a disclosure of <paramref name="resource"/>;
    /// with <paramref name="anyOf"/> one category of <paramref name="category"/> is enough (the caller shows only those).
    /// </summary>
    public Outcome<object>? CanSee(UserSession actor, string patientId, string organisationId, ConsentCategories category, string resource, bool record = true, bool anyOf = false)
    {
        var purpose = policy.Purpose(actor, patientId, organisationId, category, anyOf);
        if (record && actor.UserId != patientId) disclosures.Record(actor, patientId, resource, purpose ?? "-", purpose is not null);
        return purpose is not null ? null : Forbid<object>(actor, "read the " + resource + " of", patientId);
    }

    /// <summary>
    /// Records reads of many patients' data at once (lists, reports, the audit trail): one disclosure per distinct patient
    /// other than the actor, allowed when the actor reaches any category of <paramref name="category"/>, stored together (one
    /// write) so that the <see cref="DisclosureRecorder"/> writes them in one batch.
    /// </summary>
    public void RecordReads(UserSession actor, IEnumerable<(string PatientId, string OrganisationId)> patients, string resource, ConsentCategories category)
    {
        disclosures.Record(actor, patients.Where(p => p.PatientId != actor.UserId).DistinctBy(p => p.PatientId, StringComparer.Ordinal)
            .Select(p => (p.PatientId, resource, policy.Purpose(actor, p.PatientId, p.OrganisationId, category, anyOf: true) ?? "-", true)).ToList());
    }

    /// <summary>Null when the actor has <paramref name="required"/>; otherwise a logged refusal of <paramref name="action"/>.</summary>
    public Outcome<object>? RequireRole(UserSession actor, Role required, string action, string target) =>
        actor.Role == required ? null : Forbid<object>(actor, action, target);

    /// <summary>A logged refusal: "You may not {action} {target}."</summary>
    public Outcome<T> Forbid<T>(UserSession actor, string action, string target)
    {
        // The target is often an id straight from the URL: only an id-shaped one is echoed (in the log and the problem's detail).
        var shown = target.Length == 0 ? "" : Missing.Shown(target);
        Log.AccessDenied(logger, actor.UserId, actor.Role, action, shown.Length == 0 ? "-" : shown);
        return Outcome<T>.Forbidden($"You may not {action}{(shown.Length == 0 ? "" : " " + shown)}.");
    }
}
