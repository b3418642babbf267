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
    /// <summary>Demographics, encounters and account, if the actor may read them; each read is recorded as a disclosure.</summary>
    public Outcome<PatientRecord> Get(UserSession actor, string patientId)
    {
        var patient = patients.GetPatient(actor, patientId);
        if (!patient.IsOk) return patient.As<PatientRecord>();
        var entries = encounters.Entries(actor, patientId);
        if (!entries.IsOk) return entries.As<PatientRecord>();
        var list = entries.Value!;
        return Outcome<PatientRecord>.Ok(new PatientRecord(patient.Value!,
            list.Where(e => !e.Type.IsAccountLine()).OrderBy(e => e.Details.OccurredAt).ToList(),
            HospitalAccountService.Build(patientId, list)));
    }
}
