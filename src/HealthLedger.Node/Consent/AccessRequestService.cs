using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Consent;

/// <summary>
/// Referrals: a doctor of any member organisation asks a patient (of any member organisation, by the id the patient gives
/// them) for access to chosen categories for a number of days, with a reason sealed for the two of them
/// (<see cref="RequestAccessPayload"/>); the patient approves — their session wraps the category keys for the doctor exactly
/// as a grant does (<see cref="ConsentService.GrantKeys"/>) and the approval carries the grant — or declines
/// (<see cref="AnswerAccessRequestPayload"/>). The state machine's rules are checked here first, so a refusal is answered
/// with field errors and nothing is submitted.
/// </summary>
public sealed class AccessRequestService(LedgerNode node, DoctorDirectory doctors, RecordWriter writer, ConsentService consent, AccessPolicy policy, TimeProvider clock)
{
    /// <summary>Longest reason, in characters.</summary>
    public const int MaxReasonLength = 1000;

    private ulong Now => (ulong)clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// The doctor asks patient <paramref name="patientId"/> for access. Forbidden for anyone but a doctor; NotFound for an
    /// unknown patient; Invalid (400) for bad categories, days or reason; Conflict (409) while the doctor's previous request
    /// to the patient is open, or when either organisation is not an active member.
    /// </summary>
    public async Task<Outcome<WriteResult>> RequestAsync(UserSession actor, string patientId, AccessRequestInput input, CancellationToken ct)
    {
        if (actor.Role != Role.Doctor) return Outcome<WriteResult>.Forbidden("Only a doctor asks a patient for access.");
        patientId = (patientId ?? "").Trim().ToLowerInvariant();
        var patient = User(patientId);
        if (patient is not { Role: Role.Patient } || node.GetState(StateKeys.Patient(patientId)) is not { } p || PatientState.TryDecode(p) is not { } patientRecord)
        {
            return Outcome<WriteResult>.NotFound(writer.MissingMessage(actor, "Patient", patientId, "Ask the patient for the id shown on their record."));
        }
        var errors = new FieldErrors();
        var categories = ConsentService.ParseCategories(input.Categories, errors);
        if (input.Days is not { } days) errors.Add("days", $"Say for how many days (1 to {AccessRequestState.MaxDurationDays}).");
        else if (days is < 1 or > AccessRequestState.MaxDurationDays) errors.Add("days", $"Ask for 1 to {AccessRequestState.MaxDurationDays} days.");
        // Free text through the one door (FieldRules.Text): no control, invisible or direction-changing characters, NFC.
        var reason = FieldRules.Text(errors, "reason", input.Reason, MaxReasonLength, required: true, "The reason", multiline: true);
        if (!errors.Has("reason") && (System.Text.Encoding.UTF8.GetByteCount(reason) > SealedReason.MaxCiphertextBytes - RecordCrypto.NonceLength - RecordCrypto.TagLength)) errors.Add("reason", "The reason is too long.");
        if (!errors.IsEmpty) return Outcome<WriteResult>.Invalid(errors);
        if (Inactive(patientRecord.OrganisationId) is { } patientOut)
        {
            return Outcome<WriteResult>.Conflict(FieldErrors.One("patientId", $"The patient's organisation, {patientOut.Name}, is {Status(patientOut)} from the consortium."), "The patient cannot be asked.");
        }
        if (Inactive(actor.OrganisationId) is { } doctorOut)
        {
            return Outcome<WriteResult>.Conflict(FieldErrors.One("patientId", $"Your organisation, {doctorOut.Name}, is {Status(doctorOut)} from the consortium."), "You cannot ask for access.");
        }
        if (AccessRequestState.Latest(policy.State, patientId, actor.UserId) is { } open && open.IsOpenAt(Now))
        {
            return Outcome<WriteResult>.Conflict(FieldErrors.One("patientId", $"You already asked this patient (request {open.Id}); it waits for their answer."),
                "A request to this patient is still open.");
        }

        var requestId = RecordIds.New("ar");
        var sealedReason = Seal(reason, patientId, requestId, patient.EncryptionKey, actor.Keys.Encryption.PublicKey);
        var payload = new RequestAccessPayload(requestId, patientId, actor.UserId, categories, input.Days!.Value, sealedReason);
        return await writer.SubmitAsync(actor, payload, RecordWriter.NoBlobs, requestId, ct);
    }

    /// <summary>
    /// The viewer's access requests, newest first: a patient's requests to them, or a doctor's own requests. Forbidden for
    /// anyone else. <paramref name="status"/> (pending, approved, declined, expired) filters when given; another value is Invalid.
    /// </summary>
    public Outcome<IReadOnlyList<AccessRequestView>> List(UserSession actor, string? status = null)
    {
        if (actor.Role is not (Role.Patient or Role.Doctor)) return Outcome<IReadOnlyList<AccessRequestView>>.Forbidden("Only patients and doctors have access requests.");
        status = status?.Trim().ToLowerInvariant();
        if (!string.IsNullOrEmpty(status) && status is not ("pending" or "approved" or "declined" or "expired"))
        {
            return Outcome<IReadOnlyList<AccessRequestView>>.Invalid(FieldErrors.One("status", "Status is pending, approved, declined or expired."));
        }
        var requests = actor.Role == Role.Patient
            ? node.ScanState($"accessrequest/{actor.UserId}/").Select(e => AccessRequestState.TryDecode(e.Value))
            : node.ScanState($"doctorrequest/{actor.UserId}/")
                .Select(e => AccessRequestState.Get(policy.State, System.Text.Encoding.UTF8.GetString(e.Value), e.Key[(e.Key.LastIndexOf('/') + 1)..]));
        var now = Now;
        var list = requests.OfType<AccessRequestState>().Select(r => View(actor, r, now)).Where(v => string.IsNullOrEmpty(status) || v.Status == status)
            .OrderByDescending(v => v.Request.RequestedAt).ToList();
        return Outcome<IReadOnlyList<AccessRequestView>>.Ok(list);
    }

    /// <summary>
    /// The patient approves their request <paramref name="requestId"/>: the grant to the doctor of the requested categories
    /// for the requested days (from the approving block), with the category keys wrapped for the doctor.
    /// </summary>
    public Task<Outcome<WriteResult>> ApproveAsync(UserSession actor, string requestId, CancellationToken ct) => AnswerAsync(actor, requestId, approve: true, ct);

    /// <summary>The patient declines their request <paramref name="requestId"/>; no grant is made.</summary>
    public Task<Outcome<WriteResult>> DeclineAsync(UserSession actor, string requestId, CancellationToken ct) => AnswerAsync(actor, requestId, approve: false, ct);

    private async Task<Outcome<WriteResult>> AnswerAsync(UserSession actor, string requestId, bool approve, CancellationToken ct)
    {
        if (actor.Role != Role.Patient) return Outcome<WriteResult>.Forbidden("Only the patient answers a request for access to their records.");
        if (AccessRequestState.Get(policy.State, actor.UserId, requestId ?? "") is not { } request)
        {
            return Outcome<WriteResult>.NotFound(Missing.Message("Request", requestId));
        }
        if (request.Status != AccessRequestStatus.Pending)
        {
            return Outcome<WriteResult>.Conflict(FieldErrors.One("requestId", $"You already {request.Status.ToString().ToLowerInvariant()} this request."), "The request was answered.");
        }
        if (!request.IsOpenAt(Now)) return Outcome<WriteResult>.Conflict(FieldErrors.One("requestId", "The request has expired; the doctor may ask again."), "The request has expired.");
        if (!approve) return await writer.SubmitAsync(actor, new AnswerAccessRequestPayload(actor.UserId, request.Id, false, null), RecordWriter.NoBlobs, request.Id, ct);

        if (User(request.DoctorId) is not { Role: Role.Doctor } doctor) return Outcome<WriteResult>.NotFound(Missing.Message("Doctor", request.DoctorId));
        if (Inactive(doctor.OrganisationId) is { } doctorOut)
        {
            return Outcome<WriteResult>.Conflict(FieldErrors.One("requestId", $"The doctor's organisation, {doctorOut.Name}, is {Status(doctorOut)} from the consortium: it can be granted nothing."),
                "The doctor cannot be granted access.");
        }
        var (keys, categoryKeys) = consent.GrantKeys(actor, actor.UserId, request.Categories, doctor.EncryptionKey);
        if (ConsentService.TooManyKeys(keys, categoryKeys) is { } tooMany) return Outcome<WriteResult>.Invalid(FieldErrors.One("requestId", tooMany));
        var grant = new GrantAccessPayload(RecordIds.New("gr"), actor.UserId, GranteeKind.Doctor, doctor.Id, request.Categories, 0, keys, categoryKeys);
        return await writer.SubmitAsync(actor, new AnswerAccessRequestPayload(actor.UserId, request.Id, true, grant), RecordWriter.NoBlobs, request.Id, ct,
            ConsentService.GrantTooLarge("requestId"));
    }

    private AccessRequestView View(UserSession actor, AccessRequestState r, ulong now)
    {
        var doctor = doctors.Doctor(r.DoctorId);
        var status = r.Status switch
        {
            AccessRequestStatus.Pending => r.IsOpenAt(now) ? "pending" : "expired",
            AccessRequestStatus.Approved => "approved",
            _ => "declined",
        };
        var organisation = node.GetState(StateKeys.Organisation(r.DoctorOrganisationId)) is { } o ? OrganisationRecord.TryDecode(o)?.Name : null;
        // Approving replaces the patient's grant to this doctor in force now: say so before the patient answers.
        var replaces = status == "pending" && actor.UserId == r.PatientId && consent.Grants(actor, r.PatientId) is { IsOk: true } grants
            ? grants.Value!.FirstOrDefault(g => g.Active && g.Grant.Grantee == GranteeKind.Doctor && g.Grant.GranteeId == r.DoctorId)?.Grant
            : null;
        return new AccessRequestView(r, doctor?.Details.Name ?? r.DoctorId, doctor?.Details.Specialty ?? "", organisation ?? r.DoctorOrganisationId,
            Open(r, actor.Keys.Encryption), status, replaces);
    }

    /// <summary>Seals the reason for the patient and the doctor (<see cref="SealedText"/>; the aad binds it to the request).</summary>
    private static SealedReason Seal(string reason, string patientId, string requestId, EncryptionPublicKey patient, EncryptionPublicKey doctor)
    {
        var (ciphertext, envelopes) = SealedText.Seal(reason, SealedReason.Aad(patientId, requestId), [patient, doctor]);
        return new SealedReason(ciphertext, envelopes);
    }

    /// <summary>The reason opened with the viewer's key, or null when it is not sealed for them.</summary>
    private static string? Open(AccessRequestState r, EncryptionKeyPair reader) =>
        SealedText.Open(r.Reason.Ciphertext, r.Reason.Envelopes, SealedReason.Aad(r.PatientId, r.Id), reader);

    private UserRecord? User(string id) => node.GetState(StateKeys.User(id)) is { } u ? UserRecord.TryDecode(u) : null;

    private OrganisationRecord? Inactive(string organisationId) =>
        node.GetState(StateKeys.Organisation(organisationId)) is { } o && OrganisationRecord.TryDecode(o) is { } org && org.Status != OrganisationStatus.Active ? org : null;

    private static string Status(OrganisationRecord org) => org.Status.ToString().ToLowerInvariant();
}
