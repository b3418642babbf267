using System.Globalization;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Audit;

/// <summary>
/// The disclosure trail on the chain (<c>disclosure/&lt;patient&gt;/&lt;height&gt;/…</c>, written by the
/// <see cref="DisclosureRecorder"/>): who read a patient's data, when, why, and the refused attempts.
/// </summary>
public sealed class AuditService(LedgerNode node, PatientService patients, PatientDirectory directory, RecordAccess access, HospitalTime time)
{
    /// <summary>
    /// Who read a patient's data (and who was refused), newest first: the patient, or an admin of their organisation (whose
    /// read is itself recorded as a disclosure).
    /// </summary>
    public Outcome<IReadOnlyList<DisclosureView>> Disclosures(UserSession actor, string patientId)
    {
        if (patients.CanManage(actor, patientId) is { } denied) return denied.As<IReadOnlyList<DisclosureView>>();
        access.RecordReads(actor, [(patientId, actor.OrganisationId)], "access history", ConsentCategories.Demographics);
        return Outcome<IReadOnlyList<DisclosureView>>.Ok(Read(patientId).OrderByDescending(d => d.Event.At).ToList());
    }

    /// <summary>
    /// The organisation's disclosure trail (admins and auditors: ids, resources and outcomes, no PHI), filtered by patient, actor, outcome and date range (days of the
    /// hospital's time zone), newest first. Each patient in the answer is recorded as a disclosure (the read shows up in the next one).
    /// </summary>
    public Outcome<IReadOnlyList<DisclosureView>> Trail(UserSession actor, string? patientId, string? actorId, bool? allowed, DateOnly? from, DateOnly? to)
    {
        if (actor.Role is not (Role.Admin or Role.Auditor)) return Outcome<IReadOnlyList<DisclosureView>>.Forbidden("Only admins and auditors read the organisation's audit trail.");
        var ids = string.IsNullOrWhiteSpace(patientId) ? directory.Patients(actor.OrganisationId).Select(p => p.Id) : [patientId.Trim()];
        IEnumerable<DisclosureView> all = ids.Where(p => directory.Patient(p)?.OrganisationId == actor.OrganisationId).SelectMany(Read);
        if (!string.IsNullOrWhiteSpace(actorId)) all = all.Where(d => d.Event.ActorId == actorId.Trim().ToLowerInvariant());
        if (allowed is { } a) all = all.Where(d => d.Event.Allowed == a);
        if (from is { } f) all = all.Where(d => Day(d) >= f);
        if (to is { } t) all = all.Where(d => Day(d) <= t);
        var rows = all.OrderByDescending(d => d.Event.At).ToList();
        access.RecordReads(actor, rows.Select(d => (d.Event.PatientId, actor.OrganisationId)), "audit trail", ConsentCategories.Demographics);
        return Outcome<IReadOnlyList<DisclosureView>>.Ok(rows);
    }

    private DateOnly Day(DisclosureView d) => DateOnly.FromDateTime(time.Local(DateTimeOffset.FromUnixTimeMilliseconds((long)d.Event.At)).DateTime);

    private IEnumerable<DisclosureView> Read(string patientId) =>
        node.ScanState($"disclosure/{patientId}/").Select(e => (Event: DisclosureEvent.TryDecode(e.Value), Key: e.Key))
            .Where(e => e.Event is not null)
            .Select(e => new DisclosureView(e.Event!, ulong.Parse(e.Key.Split('/')[2], CultureInfo.InvariantCulture)));
}
