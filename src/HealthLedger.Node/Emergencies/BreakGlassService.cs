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
using PharmacyPrescription = HealthLedger.Node.Pharmacy.PrescriptionDetails;

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

    /// <summary>
    /// Finds patients of <paramref name="organisationId"/> (rescuers and doctors), ids only, no PHI: by MRN, or by full name
    /// and date of birth (<c>yyyy-MM-dd</c>), each an exact match through the custodian's blind index — this node's own, or
    /// the custodian's lookup key wrapped for this organisation by an emergency in force (then only the patients that
    /// emergency covers, its area included). A name and date of birth may match several patients: all are listed.
    /// 400 naming <c>mrn</c>, <c>name</c>, <c>dateOfBirth</c>, <c>organisationId</c> (neither way given, both, or half of
    /// the name + date of birth); 403 for another role or no emergency admitting this organisation; 404 when none matches.
    /// </summary>
    public Outcome<PatientMatch> Find(UserSession actor, string? mrn, string? organisationId, string? name = null, string? dateOfBirth = null)
    {
        if (actor.Role is not (Role.Rescuer or Role.Doctor)) return Outcome<PatientMatch>.Forbidden("Only rescuers and doctors look patients up for break-glass access.");
        var e = new FieldErrors();
        var byMrn = !string.IsNullOrWhiteSpace(mrn);
        var byName = !string.IsNullOrWhiteSpace(name) || !string.IsNullOrWhiteSpace(dateOfBirth);
        DateOnly dob = default;
        if (byMrn && byName) e.Add("mrn", "Find by the MRN or by the name and date of birth, not both.");
        else if (!byMrn && !byName) e.Add("mrn", "The MRN is required, or the full name and date of birth.");
        else if (byMrn && mrn!.Trim().Length > 32) e.Add("mrn", "The MRN is required (at most 32 characters).");
        else if (byMrn && !FieldRules.IsMrn(mrn!.Trim())) e.Add("mrn", "An MRN is 1 to 32 letters, digits or '-', starting with a letter or digit (control and other characters are refused).");
        else if (byName)
        {
            if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 200) e.Add("name", "The full name is required with the date of birth (at most 200 characters).");
            if (string.IsNullOrWhiteSpace(dateOfBirth)) e.Add("dateOfBirth", "The date of birth (yyyy-MM-dd) is required with the name.");
            else if (!DateOnly.TryParseExact(dateOfBirth.Trim(), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out dob))
            {
                e.Add("dateOfBirth", "The date of birth is a date yyyy-MM-dd.");
            }
        }
        if (!Identifiers.IsValid(organisationId)) e.Add("organisationId", $"An organisation id is {Identifiers.Rule}.");
        if (!e.IsEmpty) return Outcome<PatientMatch>.Invalid(e);
        if (node.GetState(StateKeys.Organisation(organisationId!)) is null) return Outcome<PatientMatch>.NotFound(Missing.Message("Organisation", organisationId));

        Core.Primitives.Hash256 index;
        List<EmergencyState> admitting = [];
        var state = State;
        if (organisationId == organisation.Id)
        {
            index = byMrn ? organisation.BlindIndex(mrn!) : organisation.NameDobIndex(name!, dob);
        }
        else
        {
            admitting = ActiveEmergencies(state).Where(em => em.Covers(organisationId!) && em.Admits(organisation.Id)).ToList();
            Core.Primitives.Hash256? unwrapped = null;
            foreach (var emergency in admitting)
            {
                if (node.GetState(EmergencyKey.LookupKey(emergency.Id, organisation.Id, organisationId!)) is not { } bytes || !TryEnvelope(bytes, out var envelope)) continue;
                if (!RecordCrypto.TryUnwrap(envelope, organisation.Keys.Encryption, LookupAad(emergency.Id, organisationId!, organisation.Id), out var key)) continue;
                try
                {
                    unwrapped = byMrn ? OrganisationKeys.BlindIndexWith(key, mrn!) : OrganisationKeys.NameDobIndexWith(key, name!, dob);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(key);
                }
                break;
            }
            if (unwrapped is not { } found)
            {
                return Outcome<PatientMatch>.Forbidden($"No emergency in force admits organisation '{organisation.Id}' for the patients of '{organisationId}' (or its lookup key has not reached this node yet).");
            }
            index = found;
        }
        IEnumerable<string> ids = byMrn
            ? node.GetState(StateKeys.Mrn(organisationId!, index)) is { } id ? [System.Text.Encoding.UTF8.GetString(id)] : []
            : node.ScanState(PatientIndexState.NamePrefix(organisationId!, index)).Select(kv => System.Text.Encoding.UTF8.GetString(kv.Value));
        // Through an emergency: only the patients it covers (an emergency naming an area covers only the patients tagged with it).
        if (organisationId != organisation.Id)
        {
            ids = ids.Where(pid => node.GetState(StateKeys.Patient(pid)) is { } p && PatientState.TryDecode(p) is { } patient && admitting.Any(em => em.CoversPatient(state, patient)));
        }
        var matches = ids.Order(StringComparer.Ordinal).ToList();
        if (matches.Count == 0)
        {
            return Outcome<PatientMatch>.NotFound(byMrn ? $"No patient of '{organisationId}' has this MRN{(admitting.Count > 0 ? " in the emergency's scope" : "")}."
                : $"No patient of '{organisationId}' has this name and date of birth{(admitting.Count > 0 ? " in the emergency's scope" : "")}.");
        }
        return Outcome<PatientMatch>.Ok(new PatientMatch(matches.Count == 1 ? matches[0] : null, organisationId!, matches));
    }

    /// <summary>
    /// Names a patient by their patient id, as printed on their record printout or patient card (rescuers and doctors): the way a
    /// doctor of another organisation outside an emergency identifies the patient, since the MRN lookup needs the custodian's
    /// blind-index key, released only under an emergency. Returns the id and the custodian organisation only, no PHI; 400 for an
    /// id that is not one, 404 when no such patient exists.
    /// </summary>
    public Outcome<PatientMatch> FindById(UserSession actor, string? patientId)
    {
        if (actor.Role is not (Role.Rescuer or Role.Doctor)) return Outcome<PatientMatch>.Forbidden("Only rescuers and doctors look patients up for break-glass access.");
        if (!Identifiers.IsValid(patientId)) return Outcome<PatientMatch>.Invalid(FieldErrors.One("patientId", $"A patient id is {Identifiers.Rule}."));
        return node.GetState(StateKeys.Patient(patientId!)) is { } bytes && PatientState.TryDecode(bytes) is { } patient
            ? Outcome<PatientMatch>.Ok(new PatientMatch(patient.Id, patient.OrganisationId, [patient.Id]))
            : Outcome<PatientMatch>.NotFound("No patient has this patient id.");
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
                e.Add("categories", "Break-glass opens only the emergency summary: demographics, medication and reports.");
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
        if (patient is null) return Outcome<BreakGlassResponse>.NotFound(writer.MissingMessage(actor, "Patient", patientId));
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
            return Outcome<EmergencySummary>.NotFound(writer.MissingMessage(actor, "Patient", patientId));
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
            details.Allergies, details.Conditions, details.EmergencyContact, (access.Categories & (ConsentCategories.Medication | ConsentCategories.Reports)) != 0 ? Medication(patient, access, actor.Keys.Encryption, now) : null, access.Id, DateTimeOffset.FromUnixTimeMilliseconds((long)access.ExpiresAt)));
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
            return Outcome<IReadOnlyList<BreakGlassResponse>>.NotFound(writer.MissingMessage(actor, "Patient", patientId));
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
        if (!Identifiers.IsValid(emergencyId) || EmergencyState.Get(State, emergencyId) is not { } emergency) return Outcome<IReadOnlyList<BreakGlassResponse>>.NotFound(Missing.Message("Emergency", emergencyId));
        if (actor.Role == Role.Admin && !emergency.Covers(actor.OrganisationId) && !emergency.Admits(actor.OrganisationId))
        {
            return Outcome<IReadOnlyList<BreakGlassResponse>>.Forbidden(
                $"Organisation '{actor.OrganisationId}' is neither in the scope of emergency '{emergencyId}' nor admitted as a rescuer: its admins do not see the emergency's accesses.");
        }
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

    // Current medication, newest first: under the medication category, the pharmacy's structured prescriptions whose course has
    // not run out ("Amoxicillin 500 mg capsule: 500 mg oral three times a day, 7 days"); under reports, the prescription reports
    // on record (latest version of each). Records this node cannot open are left out.
    private List<string> Medication(PatientState patient, BreakGlassState access, EncryptionKeyPair actorKey, ulong now)
    {
        var list = new List<string>();
        if ((access.Categories & ConsentCategories.Medication) != 0)
        {
            list.AddRange(node.ScanState(PrescriptionState.Prefix).Select(kv => PrescriptionState.TryDecode(kv.Value)).OfType<PrescriptionState>()
                .Where(rx => rx.PatientId == patient.Id).OrderByDescending(rx => rx.Proof.Timestamp).ThenBy(rx => rx.Id, StringComparer.Ordinal)
                .Select(rx => (Rx: rx, Details: OpenRecord<PharmacyPrescription>(patient, rx.Id, 1, rx.Record, access, actorKey)))
                .Where(x => x.Details is not null && IsCurrent(x.Rx, x.Details, now))
                .Select(x => $"{x.Details!.Drug}: {x.Details.Dose} {x.Details.Route} {x.Details.Frequency}, {x.Details.DurationDays} days"));
        }
        if ((access.Categories & ConsentCategories.Reports) != 0)
        {
            list.AddRange(node.ScanState("report/").Select(kv => ReportState.TryDecode(kv.Value)).OfType<ReportState>()
                .Where(r => r.PatientId == patient.Id && r.Type == ReportType.Prescription).OrderByDescending(r => r.Proof.Timestamp)
                .Select(r => OpenRecord<MedicalReports.ReportContent>(patient, r.Id, r.Version, r.Record, access, actorKey)?.Prescription).OfType<MedicalReports.PrescriptionDetails>()
                .Select(p => $"{p.Drug} {p.Dose} {p.Route} {p.Frequency}, for {p.Duration}"));
        }
        return list;
    }

    /// <summary>
    /// A structured prescription is current medication until its course has run out: <see cref="PharmacyPrescription.DurationDays"/>
    /// for the first supply and again for each repeat, counted from the day it was written (host time <paramref name="now"/>, ms).
    /// </summary>
    public static bool IsCurrent(PrescriptionState prescription, PharmacyPrescription details, ulong now) =>
        prescription.Proof.Timestamp + (ulong)Math.Max(details.DurationDays, 1) * (ulong)(1 + prescription.Repeats) * 86_400_000UL >= now;

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
