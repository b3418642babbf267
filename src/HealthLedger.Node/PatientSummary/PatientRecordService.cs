using HealthLedger.Core.Records;
using HealthLedger.Node.Accounts;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.PatientSummary;

/// <summary>The patient's complete record (the patient page, the printable report and <c>GET /api/v1/patients/{id}/report</c>).</summary>
public sealed class PatientRecordService(PatientService patients, EncounterService encounters)
{
    /// <summary>
    /// The sections of the record the actor may read (demographics, encounters, account; each category stands alone),
    /// the others left out; refused when the actor reaches none of the record. The read is recorded as one disclosure.
    /// </summary>
    public Outcome<PatientRecord> Get(UserSession actor, string patientId)
    {
        var patient = patients.GetPatient(actor, patientId, ConsentCategories.All, "complete record", anyOf: true);
        if (!patient.IsOk) return patient.As<PatientRecord>();
        var view = patient.Value!;
        var entries = encounters.Entries(actor, patientId, ConsentCategories.Encounters | ConsentCategories.Account, "entries", record: false);
        var list = entries.Value ?? [];
        return Outcome<PatientRecord>.Ok(new PatientRecord(view,
            (view.Shared & ConsentCategories.Encounters) != 0 ? list.Where(e => !e.Type.IsAccountLine()).OrderBy(e => e.Details.OccurredAt).ToList() : null,
            (view.Shared & ConsentCategories.Account) != 0 ? HospitalAccountService.Build(patientId, list) : null));
    }
}
