using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Emergencies;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Emergencies;

/// <summary>
/// Break-glass at this node. A rescuer (or doctor) finds a patient by MRN and organisation (exact match through the
/// custodian's blind index: this node's own, or the custodian's lookup key wrapped for this organisation by an emergency),
/// states a reason and a justification (sealed for the patient and the custodian) and commits a <see cref="BreakGlassPayload"/>
/// signed with their own key; then reads the emergency summary at this node, opened with this organisation's key from the
/// category keys the custodian's node wrapped for it when the emergency was declared (<see cref="EmergencyKeyWrapper"/>) —
/// the custodian's node need not be up. Outside an emergency, a doctor of another organisation reads with their own session key
/// the category keys the custodian's node wrapped for them after the access committed (<see cref="BreakGlassKeyWrapper"/>);
/// until those arrive the read is a 409. The read is served only while the committed access and its emergency are in force
/// (host time), and is recorded as a disclosure with purpose "break-glass …"; every refusal is recorded as a refused attempt.
/// The patient and the custodian's admins list the accesses (with the justification opened at their node); the custodian's
/// admins review them (<see cref="ReviewBreakGlassPayload"/>).
/// </summary>
public sealed class BreakGlassService(LedgerNode node, RecordWriter writer, OrganisationKeys organisation, CategoryKeyring keyring, DisclosureRecorder disclosures,
    TimeProvider clock)
{
    private const string Resource = "emergency summary";

    private IStateReader State => new NodeStateReader(node);

    private ulong Now => (ulong)clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The aad of a custodian's lookup key wrapped for a rescuer organisation.</summary>
    public static byte[] LookupAad(string emergencyId, string custodianId, string rescuerId) =>
        System.Text.Encoding.UTF8.GetBytes($"HealthLedger/emergency-lookup/v1\n{emergencyId}\n{custodianId}\n{rescuerId}");

    /// <summary>Finds a patient of <paramref name="organisationId"/> by MRN (rescuers and doctors): the id only, no PHI.</summary>
    public Outcome<PatientMatch> Find(UserSession actor, string? mrn, string? organisationId)
    {
        if (actor.Role is not (Role.Rescuer or Role.Doctor)) return Outcome<PatientMatch>.Forbidden("Only rescuers and doctors look patients up for break-glass access.");
        var e = new FieldErrors();
        if (string.IsNullOrWhiteSpace(mrn) || mrn.Trim().Length > 32) e.Add("mrn", "The MRN is required (at most 32 characters).");
        else if (!FieldRules.IsMrn(mrn.Trim())) e.Add("mrn", "An MRN is 1 to 32 letters, digits or '-', starting with a letter or digit (control and other characters are refused).");
        if (!Identifiers.IsValid(organisationId)) e.Add("organisationId", $"An organisation id is {Identifiers.Rule}.");
        if (!e.IsEmpty) return Outcome<PatientMatch>.Invalid(e);
        if (node.GetState(StateKeys.Organisation(organisationId!)) is null) return Outcome<PatientMatch>.NotFound(Missing.Message("Organisation", organisationId));
        Core.Primitives.Hash256? index = null;
        if (organisationId == organisation.Id)
        {
            index = organisation.BlindIndex(mrn!);
        }
        else
        {
            var state = State;
            foreach (var emergency in ActiveEmergencies(state).Where(em => em.Covers(organisationId!) && em.Admits(organisation.Id)))
            {
                if (node.GetState(EmergencyKey.LookupKey(emergency.Id, organisation.Id, organisationId!)) is not { } bytes || !TryEnvelope(bytes, out var envelope)) continue;
                if (!RecordCrypto.TryUnwrap(envelope, organisation.Keys.Encryption, LookupAad(emergency.Id, organisationId!, organisation.Id), out var key)) continue;
                try
                {
                    index = OrganisationKeys.BlindIndexWith(key, mrn!);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(key);
                }
                break;
            }
            if (index is null)
            {
                return Outcome<PatientMatch>.Forbidden($"No emergency in force admits organisation '{organisation.Id}' for the patients of '{organisationId}' (or its lookup key has not reached this node yet).");
            }
        }
        return node.GetState(StateKeys.Mrn(organisationId!, index.Value)) is { } id
            ? Outcome<PatientMatch>.Ok(new PatientMatch(System.Text.Encoding.UTF8.GetString(id), organisationId!))
            : Outcome<PatientMatch>.NotFound($"No patient of '{organisationId}' has this MRN.");
    }

    /// <summary>
    /// A break-glass request whose body could not be read (not JSON, the wrong shape or types, null list items): recorded as a
    /// refused attempt on the patient when the route names one that exists, like every other refusal; nothing else is written.
    /// </summary>
    public Outcome<BreakGlassResponse> RefuseMalformed(UserSession actor, string patientId, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(errors);
        var purpose = "break-glass refused: " + string.Join(", ", errors.ToDictionary().Keys);
        disclosures.Record(actor, patientId, Resource, purpose.Length > 60 ? purpose[..60] : purpose, false);
        return Outcome<BreakGlassResponse>.Invalid(errors);
    }

    /// <summary>Breaks the glass: checks like the state machine (a refusal is recorded as a refused attempt and writes nothing), then commits the access.</summary>
    public async Task<Outcome<BreakGlassResponse>> BreakGlassAsync(UserSession actor, string patientId, BreakGlassInput input, CancellationToken ct)
    {
        var e = new FieldErrors();
        var reason = BreakGlassReasons.Parse(input.Reason);
        if (reason is null) e.Add("reason", $"The reason is one of {BreakGlassReasons.List}.");
        // The limit is in UTF-8 bytes (checked below with its own message), not characters.
        var text = FieldRules.Text(e, "justification", input.Justification, int.MaxValue, required: true, "The justification", multiline: true);
        var bytes = System.Text.Encoding.UTF8.GetByteCount(text);
        if (!e.Has("justification") && (bytes < SealedJustification.MinTextBytes || bytes > SealedJustification.MaxTextBytes))
        {
            e.Add("justification", $"A justification of {SealedJustification.MinTextBytes} to {SealedJustification.MaxTextBytes} bytes is required.");
        }
        var categories = ConsentCategories.None;
        foreach (var name in input.Categories is { Count: > 0 } ? input.Categories : ["demographics"])
        {
            var category = Enum.GetValues<ConsentCategories>().FirstOrDefault(c => c is not (ConsentCategories.None or ConsentCategories.All) && string.Equals(c.ToString(), name?.Trim(), StringComparison.OrdinalIgnoreCase));
            if (category == ConsentCategories.None || !EmergencyCategories.IsWithin(category))
            {
                e.Add("categories", "Break-glass opens only the emergency summary: demographics and reports.");
                break;
            }
            categories |= category;
        }
        var emergencyId = string.IsNullOrWhiteSpace(input.EmergencyId) ? "" : input.EmergencyId.Trim();
        if (emergencyId.Length > 0 && !Identifiers.IsValid(emergencyId)) e.Add("emergencyId", $"An emergency id is {Identifiers.Rule}.");
        var patient = Identifiers.IsValid(patientId) && node.GetState(StateKeys.Patient(patientId)) is { } p ? PatientState.TryDecode(p) : null;
        if (!e.IsEmpty)
        {
            if (patient is not null) disclosures.Record(actor, patientId, Resource, "break-glass refused: " + string.Join(", ", e.ToDictionary().Keys), false);
            return Outcome<BreakGlassResponse>.Invalid(e);
        }
        if (patient is null) return Outcome<BreakGlassResponse>.NotFound(Missing.Message("Patient", patientId));
        var custodian = node.GetState(StateKeys.Organisation(patient.OrganisationId)) is { } o ? OrganisationRecord.TryDecode(o) : null;
        var patientKey = node.GetState(StateKeys.User(patientId)) is { } u ? UserRecord.TryDecode(u)?.EncryptionKey : null;
        if (custodian is null) return Outcome<BreakGlassResponse>.NotFound(Missing.Message("Organisation", patient.OrganisationId));
        var accessId = "bg-" + clock.GetUtcNow().ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
        var payload = new BreakGlassPayload(accessId, patientId, emergencyId, reason!.Value, categories, Seal(text, patientId, accessId, custodian.EncryptionKey, patientKey));

        // The state machine's verdict now (a dry run at the next block), so a refusal is a clean 403/404/409/422 and is recorded.
        if (DryRun(actor, payload) is { IsOk: false } refused) return Refuse(actor, patientId, refused);
        var written = await writer.SubmitAsync(actor, payload, RecordWriter.NoBlobs, accessId, ct, v => v == TxVerdict.InvalidField ? FieldErrors.One("breakGlass", "The ledger refused the access.") : null);
        if (!written.IsOk)
        {
            disclosures.Record(actor, patientId, Resource, "break-glass refused", false);
            return written.As<BreakGlassResponse>();
        }
        var access = BreakGlassState.Get(State, patientId, accessId)!;
        return Outcome<BreakGlassResponse>.Ok(BreakGlassResponse.From(access, text, Now));
    }

    /// <summary>
    /// The emergency summary under the actor's break-glass access in force (and its emergency in force), opened at this node
    /// with this organisation's keys; recorded as a break-glass disclosure. Refused (and recorded) otherwise.
    /// </summary>
    public Outcome<EmergencySummary> Summary(UserSession actor, string patientId)
    {
        if (!Identifiers.IsValid(patientId) || node.GetState(StateKeys.Patient(patientId)) is not { } bytes || PatientState.TryDecode(bytes) is not { } patient)
        {
            return Outcome<EmergencySummary>.NotFound(Missing.Message("Patient", patientId));
        }
        var now = Now;
        var state = State;
        var accesses = node.ScanState(BreakGlassState.PatientPrefix(patientId)).Select(kv => BreakGlassState.TryDecode(kv.Value)).OfType<BreakGlassState>()
            .Where(a => a.ActorId == actor.UserId && a.IsActiveAt(now)).ToList();
        var access = accesses.Where(a => a.EmergencyId.Length == 0 || EmergencyState.Get(state, a.EmergencyId)?.IsActiveAt(now) == true)
            .OrderByDescending(a => a.ExpiresAt).FirstOrDefault();
        if (access is null)
        {
            disclosures.Record(actor, patientId, Resource, "break-glass refused: no access in force", false);
            return Outcome<EmergencySummary>.Forbidden(accesses.Count == 0
                ? "No break-glass access of yours to this patient is in force: break the glass first (POST .../break-glass)."
                : "The emergency your access was granted under is no longer in force.");
        }
        if (access.ActorOrganisationId != organisation.Id)
        {
            return Outcome<EmergencySummary>.Forbidden($"Read the summary at a node of your organisation '{access.ActorOrganisationId}'.");
        }
        var details = OpenRecord<PatientDetails>(patient, patient.Id, patient.Version, patient.Record, access, actor.Keys.Encryption);
        if (details is null)
        {
            disclosures.Record(actor, patientId, Resource, "break-glass refused: keys not at this node", false);
            return Outcome<EmergencySummary>.Conflict(new FieldErrors(), access.EmergencyId.Length == 0
                ? $"The custodian's node has not released the keys yet: a node of '{patient.OrganisationId}' wraps the patient's keys for your own key once your access has committed (it must be up). Try again shortly."
                : "This node does not hold the patient's emergency keys (yet): the custodian's node wraps them when the emergency is declared.");
        }
        disclosures.Record(actor, patientId, Resource, Purpose(access), true);
        return Outcome<EmergencySummary>.Ok(new EmergencySummary(patientId, patient.OrganisationId, details.FullName, details.DateOfBirth, details.Mrn, details.BloodGroup,
            details.Allergies, details.Conditions, details.EmergencyContact, (access.Categories & ConsentCategories.Reports) != 0 ? Medication(patient, access, actor.Keys.Encryption) : null, access.Id, DateTimeOffset.FromUnixTimeMilliseconds((long)access.ExpiresAt)));
    }

    /// <summary>The purpose a break-glass disclosure carries: "break-glass {access} ({emergency})", at most 60 characters.</summary>
    public static string Purpose(BreakGlassState access)
    {
        var purpose = "break-glass " + access.Id + (access.EmergencyId.Length > 0 ? " (" + access.EmergencyId + ")" : "");
        return purpose.Length > 60 ? purpose[..60] : purpose;
    }

    /// <summary>The patient's break-glass accesses, newest first (the patient, or an admin of their organisation), with the justification opened.</summary>
    public Outcome<IReadOnlyList<BreakGlassResponse>> OfPatient(UserSession actor, string patientId)
    {
        if (!Identifiers.IsValid(patientId) || node.GetState(StateKeys.Patient(patientId)) is not { } bytes || PatientState.TryDecode(bytes) is not { } patient)
        {
            return Outcome<IReadOnlyList<BreakGlassResponse>>.NotFound(Missing.Message("Patient", patientId));
        }
        var own = actor.Role == Role.Patient && actor.UserId == patientId;
        var admin = actor.Role == Role.Admin && actor.OrganisationId == patient.OrganisationId;
        if (!own && !admin) return Outcome<IReadOnlyList<BreakGlassResponse>>.Forbidden("Only the patient and admins of their organisation see the break-glass accesses.");
        var reader = own ? actor.Keys.Encryption : organisation.Keys.Encryption;
        var now = Now;
        return Outcome<IReadOnlyList<BreakGlassResponse>>.Ok(node.ScanState(BreakGlassState.PatientPrefix(patientId)).Select(kv => BreakGlassState.TryDecode(kv.Value))
            .OfType<BreakGlassState>().OrderByDescending(a => a.GrantedAt).Select(a => BreakGlassResponse.From(a, Open(a, reader), now)).ToList());
    }

    /// <summary>The review queue of the admin's organisation: its patients' accesses, pending first, then newest first.</summary>
    public Outcome<IReadOnlyList<BreakGlassResponse>> Queue(UserSession actor)
    {
        if (actor.Role != Role.Admin || actor.OrganisationId != organisation.Id) return Outcome<IReadOnlyList<BreakGlassResponse>>.Forbidden("Only admins of this node's organisation see its review queue.");
        var state = State;
        var now = Now;
        return Outcome<IReadOnlyList<BreakGlassResponse>>.Ok(node.ScanState(BreakGlassState.QueuePrefix(organisation.Id))
            .Select(kv => kv.Key[BreakGlassState.QueuePrefix(organisation.Id).Length..].Split('/'))
            .Where(parts => parts.Length == 2)
            .Select(parts => BreakGlassState.Get(state, parts[0], parts[1])).OfType<BreakGlassState>()
            .OrderBy(a => a.Review == BreakGlassReview.Pending ? 0 : 1).ThenByDescending(a => a.GrantedAt)
            .Select(a => BreakGlassResponse.From(a, Open(a, organisation.Keys.Encryption), now)).ToList());
    }

    /// <summary>
    /// Every break-glass access under emergency <paramref name="emergencyId"/>, across organisations, in time order (admins and
    /// auditors): the per-declaration report. Justifications are opened only for this node's organisation's own patients.
    /// </summary>
    public Outcome<IReadOnlyList<BreakGlassResponse>> OfEmergency(UserSession actor, string emergencyId)
    {
        if (actor.Role is not (Role.Admin or Role.Auditor)) return Outcome<IReadOnlyList<BreakGlassResponse>>.Forbidden("Only admins and auditors see the accesses of an emergency.");
        if (!Identifiers.IsValid(emergencyId) || EmergencyState.Get(State, emergencyId) is null) return Outcome<IReadOnlyList<BreakGlassResponse>>.NotFound(Missing.Message("Emergency", emergencyId));
        var now = Now;
        var mayOpen = actor.Role == Role.Admin && actor.OrganisationId == organisation.Id;
        return Outcome<IReadOnlyList<BreakGlassResponse>>.Ok(node.ScanState("breakglass/").Select(kv => BreakGlassState.TryDecode(kv.Value)).OfType<BreakGlassState>()
            .Where(a => a.EmergencyId == emergencyId).OrderBy(a => a.GrantedAt).ThenBy(a => a.Id, StringComparer.Ordinal)
            .Select(a => BreakGlassResponse.From(a, mayOpen && a.CustodianId == organisation.Id ? Open(a, organisation.Keys.Encryption) : null, now)).ToList());
    }

    /// <summary>An admin of the custodian marks an access reviewed or flags misuse (once).</summary>
    public async Task<Outcome<BreakGlassResponse>> ReviewAsync(UserSession actor, string patientId, string accessId, BreakGlassReviewInput input, CancellationToken ct)
    {
        BreakGlassReview review;
        switch (input.Decision?.Trim().ToLowerInvariant())
        {
            case "reviewed":
                review = BreakGlassReview.Reviewed;
                break;
            case "misuse":
                review = BreakGlassReview.Misuse;
                break;
            default:
                return Outcome<BreakGlassResponse>.Invalid(FieldErrors.One("decision", "The decision is reviewed or misuse."));
        }
        if (!Identifiers.IsValid(patientId) || !Identifiers.IsValid(accessId) || BreakGlassState.Get(State, patientId, accessId) is not { } access)
        {
            return Outcome<BreakGlassResponse>.NotFound(Missing.Message("Break-glass access", accessId));
        }
        if (actor.Role != Role.Admin || actor.OrganisationId != access.CustodianId) return Outcome<BreakGlassResponse>.Forbidden($"Only an admin of '{access.CustodianId}' reviews this access.");
        if (access.Review != BreakGlassReview.Pending)
        {
            return Outcome<BreakGlassResponse>.Conflict(FieldErrors.One("decision", $"Already reviewed ({access.Review.ToString().ToLowerInvariant()})."), $"Break-glass access '{accessId}' was already reviewed.");
        }
        var written = await writer.SubmitAsync(actor, new ReviewBreakGlassPayload(patientId, accessId, review), RecordWriter.NoBlobs, accessId, ct);
        if (!written.IsOk) return written.As<BreakGlassResponse>();
        return Outcome<BreakGlassResponse>.Ok(BreakGlassResponse.From(BreakGlassState.Get(State, patientId, accessId)!, Open(access, organisation.Keys.Encryption), Now));
    }

    private IEnumerable<EmergencyState> ActiveEmergencies(IStateReader state)
    {
        var now = Now;
        return EmergencyState.Ids(state).Select(id => EmergencyState.Get(state, id)).OfType<EmergencyState>().Where(e => e.IsActiveAt(now));
    }

    private TxResult DryRun(UserSession actor, BreakGlassPayload payload)
    {
        TxKinds.TryGet(TxKind.BreakGlass, out var handler);
        var (decoded, _) = handler!.Decode(Encode(payload));
        if (!decoded.IsOk) return decoded;
        var tx = Transaction.Create(node.Network.NetworkId, actor.Keys.Signing, 1, payload);
        var signer = new SignerRecord(SignerKind.User, actor.UserId);
        var context = new TxContext(new StateOverlay(State), node.Tip.Height + 1, Math.Max(Now, node.Tip.Timestamp), signer);
        return handler.Execute(context, tx);
    }

    private static byte[] Encode(TxPayload payload)
    {
        var w = new CanonicalWriter();
        payload.Write(w);
        return w.ToArray();
    }

    private Outcome<BreakGlassResponse> Refuse(UserSession actor, string patientId, TxResult refused)
    {
        disclosures.Record(actor, patientId, Resource, "break-glass refused", false);
        var message = $"Break-glass refused: {refused.Reason}.";
        var colon = refused.Reason.IndexOf(':', StringComparison.Ordinal);
        return refused.Verdict switch
        {
            TxVerdict.Unauthorized => Outcome<BreakGlassResponse>.Forbidden(message),
            TxVerdict.NotFound => Outcome<BreakGlassResponse>.NotFound(message),
            TxVerdict.Conflict => Outcome<BreakGlassResponse>.Conflict(FieldErrors.One("emergencyId", refused.Reason), message),
            _ => Outcome<BreakGlassResponse>.Invalid(FieldErrors.One(colon > 0 ? refused.Reason[..colon].Split(' ')[^1] : "breakGlass", colon > 0 ? refused.Reason[(colon + 1)..].Trim() : refused.Reason)),
        };
    }

    private static SealedJustification Seal(string text, string patientId, string accessId, Core.Primitives.EncryptionPublicKey custodian, Core.Primitives.EncryptionPublicKey? patient)
    {
        var (ciphertext, envelopes) = SealedText.Seal(text, SealedJustification.Aad(patientId, accessId), patient is { } pk ? [custodian, pk] : [custodian]);
        return new SealedJustification(ciphertext, envelopes);
    }

    private static string? Open(BreakGlassState access, EncryptionKeyPair reader) =>
        SealedText.Open(access.Justification.Ciphertext, access.Justification.Envelopes, SealedJustification.Aad(access.PatientId, access.Id), reader);

    // Current medication: the prescriptions on record (latest version of each), newest first; those this node cannot open are left out.
    private List<string> Medication(PatientState patient, BreakGlassState access, EncryptionKeyPair actorKey) =>
        node.ScanState("report/").Select(kv => ReportState.TryDecode(kv.Value)).OfType<ReportState>()
            .Where(r => r.PatientId == patient.Id && r.Type == ReportType.Prescription).OrderByDescending(r => r.Proof.Timestamp)
            .Select(r => OpenRecord<MedicalReports.ReportContent>(patient, r.Id, r.Version, r.Record, access, actorKey)?.Prescription).OfType<MedicalReports.PrescriptionDetails>()
            .Select(p => $"{p.Drug} {p.Dose} {p.Route} {p.Frequency}, for {p.Duration}").ToList();

    // A record of the patient: as the custodian, with this organisation's key; under an emergency, from the category key the
    // custodian's node wrapped for this (rescuer) organisation; outside one, from the category key the custodian's node wrapped
    // for the doctor who broke the glass, opened with their session key.
    private T? OpenRecord<T>(PatientState patient, string recordId, int version, SealedRecordRef reference, BreakGlassState access, EncryptionKeyPair actorKey) where T : class
    {
        if (node.Store.ReadBlob(reference.CiphertextHash) is not { } ciphertext) return null;
        if (patient.OrganisationId == organisation.Id) return keyring.Open<T>(recordId, version, reference, ciphertext, organisation.Keys.Encryption);
        if (reference.KeyWrap is not { } wrap || (access.Categories & wrap.Category) == 0) return null;
        byte[] categoryKey;
        if (access.EmergencyId.Length != 0)
        {
            if (node.GetState(EmergencyKey.StateKey(access.EmergencyId, organisation.Id, patient.Id, wrap.Category, wrap.Epoch)) is not { } bytes || !TryEnvelope(bytes, out var envelope)) return null;
            if (!CategoryKeyCrypto.TryOpenForReader(envelope, organisation.Keys.Encryption, patient.Id, (byte)wrap.Category, wrap.Epoch, out categoryKey)) return null;
        }
        else if (BreakGlassKey.Get(State, patient.Id, access.Id, wrap.Category, wrap.Epoch) is not { } released || !released.TryOpen(access.Id, patient.Id, access.ActorId, actorKey, out categoryKey))
        {
            return null;
        }
        try
        {
            if (!CategoryKeyCrypto.TryUnwrapDataKey(categoryKey, wrap.WrappedKey, wrap.Aad(recordId, version), out var dataKey)) return null;
            try
            {
                return RecordSealer.Decrypt<T>(recordId, version, reference, ciphertext, dataKey);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(dataKey);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(categoryKey);
        }
    }

    private static bool TryEnvelope(byte[] bytes, out Envelope envelope)
    {
        var r = new CanonicalReader(bytes);
        return Envelope.TryRead(ref r, out envelope) && r.End();
    }
}
