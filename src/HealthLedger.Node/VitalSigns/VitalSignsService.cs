using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.VitalSigns;

/// <summary>
/// Vital signs: admins of the patient's organisation and the doctors who attend the patient record them; whoever may read
/// the patient's encounters reads them, each read by someone other than the patient recorded as a disclosure.
/// </summary>
public sealed class VitalSignsService(VitalSignsStore store, PatientService patients, RecordWriter writer, RecordAccess access, AccessPolicy policy, HospitalTime time, CategoryKeyring keyring)
{
    /// <summary>Records a set of vital signs; answers it as written (the writer's own echo is not a disclosure).</summary>
    public async Task<Outcome<VitalSignsView>> RecordAsync(UserSession actor, string patientId, VitalSignsInput input, CancellationToken ct)
    {
        var found = patients.GetPatient(actor, patientId, ConsentCategories.Encounters, "vital signs form", record: false);
        if (!found.IsOk) return found.As<VitalSignsView>();
        // The state machine's rule, checked here too so that a refusal writes nothing: admins, and doctors who attend the patient.
        if (actor.Role != Role.Admin && !policy.Attends(actor, patientId)) return access.Forbid<VitalSignsView>(actor, "record vital signs of", patientId);
        var (details, errors) = input.Validate(time);
        if (details is null) return Outcome<VitalSignsView>.Invalid(errors);
        var id = RecordIds.New("vs");
        var (reference, ciphertext) = keyring.Seal(patientId, ConsentCategories.Encounters, id, 1, details);
        var written = await writer.SubmitAsync(actor, new RecordVitalSignsPayload(id, patientId, reference), RecordWriter.Blobs(reference, ciphertext), id, ct);
        if (!written.IsOk) return written.As<VitalSignsView>();
        return store.Find(patientId, id) is { } view
            ? Outcome<VitalSignsView>.Ok(view)
            : Outcome<VitalSignsView>.Failed($"Vital signs {id} were committed in block {written.Value!.Height} but this node cannot open them.");
    }

    /// <summary>A patient's vital signs, latest first, if the actor may read the patient's encounters.</summary>
    public Outcome<IReadOnlyList<VitalSignsView>> ForPatient(UserSession actor, string patientId)
    {
        var patient = patients.GetPatient(actor, patientId, ConsentCategories.Encounters, "vital signs");
        return patient.IsOk ? Outcome<IReadOnlyList<VitalSignsView>>.Ok(store.ForPatient(patientId)) : patient.As<IReadOnlyList<VitalSignsView>>();
    }
}
