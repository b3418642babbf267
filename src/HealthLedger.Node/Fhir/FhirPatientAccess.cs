using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Fhir;

/// <summary>
/// The consent gate of every FHIR read that concerns a patient. It answers like the JSON API (the read, or the refused
/// attempt, is recorded as a disclosure in the patient's access history) with one difference FHIR clients rely on: a
/// patient who exists on the chain but whose record is not shared with the reader — another organisation's patient without
/// a grant — is <b>403</b> (OperationOutcome <c>forbidden</c>), not 404. Patient ids are random and their existence and
/// organisation are plaintext chain state every node holds, so the 403 discloses nothing the chain does not.
/// </summary>
public sealed class FhirPatientAccess(PatientService patients, LedgerNode node, RecordAccess access)
{
    /// <summary>
    /// The patient as <paramref name="actor"/> may see them when they may read <paramref name="category"/> (recorded as a
    /// read of <paramref name="resource"/>, e.g. "FHIR Observation"); 403 when the patient exists but is not shared; 404 when
    /// there is no such patient.
    /// </summary>
    public Outcome<PatientView> Open(UserSession actor, string patientId, ConsentCategories category, string resource)
    {
        var outcome = patients.GetPatient(actor, patientId, category, resource);
        if (outcome.Kind != OutcomeKind.NotFound) return outcome;
        if (OrganisationOf(patientId) is not { } organisationId) return outcome;
        // Known on the chain but not opened at this node for this reader: check (and record) as any read.
        return access.CanSee(actor, patientId, organisationId, category, resource) is { } denied
            ? denied.As<PatientView>()
            : Outcome<PatientView>.Forbidden($"Patient {patientId}'s record is not shared with you.");
    }

    /// <summary>The organisation that registered patient <paramref name="patientId"/>, from the chain; null when there is no such patient.</summary>
    public string? OrganisationOf(string patientId) =>
        node.GetState(StateKeys.Patient(patientId)) is { } bytes && PatientState.TryDecode(bytes) is { } state ? state.OrganisationId : null;
}
