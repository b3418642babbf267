using HealthLedger.Core.Emergencies;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// Break-glass access to a patient's emergency summary, signed by the rescuer or clinician. Either under a declared
/// emergency (<paramref name="EmergencyId"/>): a rescuer or doctor of an organisation the emergency admits, for a patient of
/// an organisation in its scope, while it is in force, for categories it opens; or outside any emergency
/// (<paramref name="EmergencyId"/> ""): a doctor of an active member organisation (an unconscious patient in their care),
/// for categories of the emergency set. Always with a reason code and a sealed justification (for the patient and the
/// custodian organisation). Grants access for 12 hours (<see cref="BreakGlassState.DurationMs"/>), or until the emergency
/// ends if sooner, and puts it in the custodian organisation's review queue.
/// </summary>
/// <param name="AccessId">The access id (unique per patient).</param>
/// <param name="PatientId">The patient.</param>
/// <param name="EmergencyId">The declared emergency, or "".</param>
/// <param name="Reason">The reason code.</param>
/// <param name="Categories">What is asked for: within <see cref="EmergencyCategories.Allowed"/>.</param>
/// <param name="Justification">The sealed free-text justification (at least 10 bytes of text).</param>
public sealed record BreakGlassPayload(string AccessId, string PatientId, string EmergencyId, BreakGlassReason Reason, ConsentCategories Categories,
    SealedJustification Justification) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.BreakGlass;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(AccessId).Text(PatientId).Text(EmergencyId).U8((byte)Reason).U8((byte)Categories);
        Justification.Write(writer);
    }
}

/// <summary>Executes <see cref="BreakGlassPayload"/>.</summary>
public sealed class BreakGlassHandler : TxKindHandler<BreakGlassPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.BreakGlass;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out BreakGlassPayload payload)
    {
        payload = null!;
        r.Text(out var id, Identifiers.MaxLength, "access id");
        r.Text(out var patient, Identifiers.MaxLength, "patient id");
        r.Text(out var emergency, Identifiers.MaxLength, "emergency id");
        r.U8(out var reason);
        r.U8(out var categories);
        if (!SealedJustification.TryRead(ref r, out var justification)) return false;
        payload = new BreakGlassPayload(id, patient, emergency, (BreakGlassReason)reason, (ConsentCategories)categories, justification);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(BreakGlassPayload p)
    {
        if (!Identifiers.IsValid(p.AccessId)) return Invalid("accessId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.PatientId)) return Invalid("patientId", Identifiers.Rule);
        if (p.EmergencyId.Length != 0 && !Identifiers.IsValid(p.EmergencyId)) return Invalid("emergencyId", Identifiers.Rule);
        if (!Enum.IsDefined(p.Reason)) return Invalid("reason", "must be one of unconscious, life-threatening, mass-casualty, other");
        if (!EmergencyCategories.IsWithin(p.Categories)) return Invalid("categories", EmergencyCategories.Rule);
        if (p.Justification.TextBytes < SealedJustification.MinTextBytes) return Invalid("justification", $"a justification of at least {SealedJustification.MinTextBytes} bytes is required");
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, BreakGlassPayload p)
    {
        var now = context.Timestamp;
        if (context.SignerUser is not { Role: Role.Rescuer or Role.Doctor } actor)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, "only a rescuer or a doctor may break the glass");
        }
        if (context.GetOrganisation(actor.OrganisationId) is not { Status: OrganisationStatus.Active })
        {
            return TxResult.Reject(TxVerdict.Unauthorized, $"organisation '{actor.OrganisationId}' is not an active member");
        }
        if (context.GetPatient(p.PatientId) is not { } patient) return TxResult.Reject(TxVerdict.NotFound, $"patient '{p.PatientId}' does not exist");
        if (context.GetOrganisation(patient.OrganisationId) is not { } custodian) return TxResult.Reject(TxVerdict.NotFound, $"organisation '{patient.OrganisationId}' does not exist");
        var expires = now + BreakGlassState.DurationMs;
        if (p.EmergencyId.Length != 0)
        {
            if (EmergencyState.Get(context.State, p.EmergencyId) is not { } emergency) return TxResult.Reject(TxVerdict.NotFound, $"emergency '{p.EmergencyId}' does not exist");
            if (!emergency.IsActiveAt(now)) return TxResult.Reject(TxVerdict.Conflict, $"emergency '{emergency.Id}' is not in force now (outside its time)");
            if (!emergency.Covers(patient.OrganisationId)) return TxResult.Reject(TxVerdict.Unauthorized, $"the patient is outside the scope of emergency '{emergency.Id}'");
            if (!emergency.CoversPatient(context.State, patient)) return TxResult.Reject(TxVerdict.Unauthorized, $"the patient is outside the area '{emergency.Area}' of emergency '{emergency.Id}'");
            if (!emergency.Admits(actor.OrganisationId)) return TxResult.Reject(TxVerdict.Unauthorized, $"organisation '{actor.OrganisationId}' is not admitted as a rescuer in emergency '{emergency.Id}'");
            if ((p.Categories & ~emergency.Categories) != 0) return TxResult.Reject(TxVerdict.InvalidField, $"categories: emergency '{emergency.Id}' does not open them");
            expires = Math.Min(expires, emergency.EndsAt);
        }
        else if (actor.Role != Role.Doctor)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, "outside a declared emergency only a doctor of a member organisation may break the glass");
        }
        else if (Governance.Consortium.RescueServiceEmergency(context.State, actor.OrganisationId) is { } admittedWith)
        {
            return TxResult.Reject(TxVerdict.Unauthorized,
                $"organisation '{actor.OrganisationId}' is a rescue service admitted with emergency '{admittedWith}': its users break the glass only under an emergency in force that admits it");
        }
        if (!p.Justification.HasEnvelopeFor(custodian.EncryptionKey)) return TxResult.Reject(TxVerdict.InvalidField, "justification: no key envelope for the patient's organisation");
        if (context.GetUser(p.PatientId) is { } patientUser && !p.Justification.HasEnvelopeFor(patientUser.EncryptionKey))
        {
            return TxResult.Reject(TxVerdict.InvalidField, "justification: no key envelope for the patient");
        }
        if (context.State.Contains(BreakGlassState.Key(p.PatientId, p.AccessId))) return TxResult.Reject(TxVerdict.AlreadyExists, $"access id '{p.AccessId}' is taken");
        var access = new BreakGlassState(p.AccessId, p.PatientId, patient.OrganisationId, actor.Id, actor.Role, actor.OrganisationId, p.EmergencyId, p.Reason,
            p.Justification, p.Categories, now, expires, BreakGlassReview.Pending, "", 0, new RecordProof(tx.Id, context.Height, now));
        context.State.Set(BreakGlassState.Key(p.PatientId, p.AccessId), access.Encode());
        context.State.Set(BreakGlassState.QueueKey(patient.OrganisationId, p.PatientId, p.AccessId), System.Text.Encoding.UTF8.GetBytes(p.PatientId));
        return TxResult.Ok;
    }
}
