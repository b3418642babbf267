using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Patients;

/// <summary>
/// Patient registration (with a login and a one-time password), the patient list and one patient's demographics, with the
/// read rules checked here (server side, for the UI and the API alike) and the write rules again by the state machine.
/// Every other module that reads a patient's record asks <see cref="GetPatient(UserSession, string, ConsentCategories, string, bool, bool)"/> first.
/// </summary>
public sealed class PatientService(LedgerNode node, PatientDirectory directory, RecordWriter writer, RecordAccess access, AccessPolicy policy,
    AccountService accounts, OrganisationKeys organisation, HospitalTime time, CategoryKeyring keyring, RecordReadModel readModel, PatientIndexer indexer,
    RecordHistory history, Microsoft.Extensions.Logging.ILogger<PatientService> logger)
{
    private DateOnly Today => time.Today;

    /// <summary>Registers a patient with a login and a one-time password (admins).</summary>
    public async Task<Outcome<WriteResult>> RegisterAsync(UserSession actor, PatientInput input, CancellationToken ct)
    {
        if (access.RequireRole(actor, Role.Admin, "register a patient", "") is { } denied) return denied.As<WriteResult>();
        var (details, errors) = input.Validate(Today);
        var area = PatientInput.CheckArea(errors, input.Area);
        if (details is null || !errors.IsEmpty) return Outcome<WriteResult>.Invalid(errors);
        if (MrnTaken(details.Mrn)) return Outcome<WriteResult>.Invalid(FieldErrors.One("mrn", "A patient with this MRN is already registered."));

        var patientId = RecordIds.New("pt");
        using var held = indexer.Hold(patientId);
        var registered = await writer.RegisterWithLoginAsync(actor, patientId, keys =>
        {
            var (reference, ciphertext) = keyring.Seal(patientId, ConsentCategories.Demographics, patientId, 1, details, newPatientKey: keys.Encryption.PublicKey);
            return (new RegisterPatientPayload(patientId, actor.OrganisationId, organisation.BlindIndex(details.Mrn), keys.Signing.PublicKey, keys.Encryption.PublicKey, reference),
                reference, ciphertext);
        }, FieldErrors.One("mrn", "A patient with this MRN is already registered."), ct, alsoHolds: $"mrn:{actor.OrganisationId}:{organisation.BlindIndex(details.Mrn)}");
        var index = new IndexPatientPayload(patientId, organisation.NameDobIndex(details.FullName, details.DateOfBirth), area.Length > 0 ? area : null);
        if (registered.Kind == OutcomeKind.Pending)
        {
            // Taken, not committed in time: the index and the area tag are handed to the ledger now, ordered after the
            // registration in the admin's lane (they commit with or after it, or are refused with it), rather than dropped as
            // before (the indexer restored the name index after a later block, but never the area tag).
            var (_, refusal) = await writer.SubmitWithoutWaitingAsync(actor, index, RecordWriter.NoBlobs, ct);
            if (refusal is { } refused) Log.PendingIndexNotSent(logger, patientId, refused.Reason);
            return registered;
        }
        if (!registered.IsOk) return registered;
        // The name + date-of-birth index and the area tag follow in the admin's own IndexPatient (the node's PatientIndexer
        // would set the index on its own after the next block; this makes the lookup work at once and sets the area).
        var indexed = await writer.SubmitAsync(actor, index, RecordWriter.NoBlobs, patientId, ct);
        // A refusal here leaves the registration standing (its one-time password must reach the admin): the indexer sets the
        // name index after the next block, and the area can be set again on the patient's page.
        return indexed.IsOk || area.Length == 0 ? registered : Outcome<WriteResult>.Ok(registered.Value!);
    }

    /// <summary>
    /// A new version of a patient's demographics (admins of their organisation): every field as at registration; the MRN
    /// cannot change (its blind index is the patient's identity in the organisation). A changed name or date of birth moves
    /// the patient's name + date-of-birth index in the same call. The client names the version it edited
    /// (<see cref="PatientInput.Version"/> or <paramref name="ifMatch"/>, <see cref="EditedVersion"/>). 400 naming fields
    /// (also <c>version</c> when none is given), 403, 404, 409 naming <c>version</c> when it changed meanwhile (nothing written).
    /// </summary>
    public async Task<Outcome<WriteResult>> UpdateAsync(UserSession actor, string patientId, PatientInput input, string? ifMatch, CancellationToken ct)
    {
        if (access.RequireRole(actor, Role.Admin, "change the demographics of", patientId) is { } denied) return denied.As<WriteResult>();
        var patient = directory.Patient(patientId);
        if (patient is null || patient.OrganisationId != actor.OrganisationId) return Outcome<WriteResult>.NotFound(writer.MissingMessage(actor, "Patient", patientId));
        var (details, errors) = input.Validate(Today);
        if (details is null) return Outcome<WriteResult>.Invalid(errors);
        if (details.Mrn != patient.Details.Mrn) return Outcome<WriteResult>.Invalid(FieldErrors.One("mrn", "The MRN cannot change."));
        if (EditedVersion.Check(input.Version, ifMatch, patient.Version, "patient's demographics") is { } stale) return stale;
        var version = patient.Version + 1;
        using var held = indexer.Hold(patientId);
        var (reference, ciphertext) = keyring.Seal(patientId, ConsentCategories.Demographics, patientId, version, details);
        var written = await writer.SubmitAsync(actor, new UpdateRecordPayload(RecordSubject.Patient, patientId, version, reference), RecordWriter.Blobs(reference, ciphertext), patientId, ct);
        // Another edit committed between the check and this one: the state machine refused it (version does not follow).
        if (written.Kind == OutcomeKind.Conflict) return EditedVersion.Stale(version - 1, directory.Patient(patientId)?.Version ?? version, "patient's demographics");
        if (!written.IsOk) return written;
        var index = organisation.NameDobIndex(details.FullName, details.DateOfBirth);
        if (IndexOf(patientId)?.NameIndex == index) return written;
        var moved = await writer.SubmitAsync(actor, new IndexPatientPayload(patientId, index, null), RecordWriter.NoBlobs, patientId, ct);
        return moved.IsOk ? written : moved;
    }

    /// <summary>
    /// Every version of a patient's demographics, oldest first (<see cref="RecordHistory"/>: read from the chain, the
    /// earlier sealed versions from the blob store), for a reader who reaches any part of the patient's record; the content
    /// of each version only for a reader who may see the demographics (opened with the organisation's key, or a grantee
    /// doctor's own). The read is recorded as a disclosure of "demographics history". 403, 404.
    /// </summary>
    public Outcome<IReadOnlyList<OpenedVersion<PatientDetails>>> Versions(UserSession actor, string patientId)
    {
        var patient = GetPatient(actor, patientId, ConsentCategories.All, "demographics history", anyOf: true);
        if (!patient.IsOk) return patient.As<IReadOnlyList<OpenedVersion<PatientDetails>>>();
        var view = patient.Value!;
        var openers = new List<RecordOpener> { new(node, organisation, keyring, null) };
        if (actor.Role == Role.Doctor) openers.Add(new RecordOpener(node, organisation, keyring, null, actor.Keys.Encryption));
        return Outcome<IReadOnlyList<OpenedVersion<PatientDetails>>>.Ok(history.Versions(RecordSubject.Patient, patientId, view.Proof)
            .Select(v => new OpenedVersion<PatientDetails>(v, view.DemographicsShared
                ? openers.Select(o => o.Open<PatientDetails>(patientId, v.Version, v.Record)).FirstOrDefault(d => d is not null)
                : null))
            .ToList());
    }

    /// <summary>The patient's area tag ("" when untagged), as the state holds it.</summary>
    public string AreaOf(string patientId) => IndexOf(patientId)?.Area ?? "";

    private PatientIndexState? IndexOf(string patientId) => node.GetState(PatientIndexState.Key(patientId)) is { } bytes ? PatientIndexState.TryDecode(bytes) : null;

    /// <summary>
    /// Sets or clears (empty) a patient's area tag (admins of their organisation): a site code, <see cref="Core.Model.SiteCodes"/>.
    /// 400 naming <c>area</c>, 403, 404.
    /// </summary>
    public async Task<Outcome<WriteResult>> SetAreaAsync(UserSession actor, string patientId, string? area, CancellationToken ct)
    {
        if (access.RequireRole(actor, Role.Admin, "tag the area of", patientId) is { } denied) return denied.As<WriteResult>();
        var patient = directory.Patient(patientId);
        if (patient is null || patient.OrganisationId != actor.OrganisationId) return Outcome<WriteResult>.NotFound(writer.MissingMessage(actor, "Patient", patientId));
        var errors = new FieldErrors();
        var code = PatientInput.CheckArea(errors, area);
        if (!errors.IsEmpty) return Outcome<WriteResult>.Invalid(errors);
        return await writer.SubmitAsync(actor, new IndexPatientPayload(patientId, null, code), RecordWriter.NoBlobs, patientId, ct);
    }

    /// <summary>
    /// Patients the actor may see, filtered, sorted and paged: admins their organisation's, doctors every patient who
    /// shares any category with them (attending, or a grant of any category; name and MRN only with demographics, so
    /// search and filters match only what the doctor may see), patients themselves. Every listed patient other than the
    /// actor is recorded as a disclosure. Auditors are refused (403): they read the disclosure trail, never a record.
    /// </summary>
    /// <remarks>
    /// The search looks tokens up in the directory's index (<see cref="PatientSearchIndex"/>: each query word a prefix of a
    /// word of the name, the MRN's start, or the id) instead of scanning; an admin's list is a page of the organisation's
    /// patients kept in each order (<see cref="PatientDirectory.Sorted"/>), not a sort per request. Ties are broken by id.
    /// </remarks>
    public Outcome<Page<PatientView>> List(UserSession actor, PatientQuery query)
    {
        if (actor.Role == Role.Auditor) return Outcome<Page<PatientView>>.Forbidden("Auditors read the disclosure trail (Audit), not patient records.");
        var sort = PatientOrder.Parse(query.Sort);
        var comparer = PatientOrder.Comparer(sort);
        var search = string.IsNullOrWhiteSpace(query.Search) ? null : query.Search.Trim();
        IReadOnlyList<PatientView> sorted;
        if (actor.Role == Role.Admin)
        {
            readModel.OpenGrantedTo(actor);
            sorted = PatientOrder.Restrict(directory.Sorted(actor.OrganisationId, sort),
                search is null ? null : directory.Search(search).Where(p => p.OrganisationId == actor.OrganisationId).ToList(), comparer);
        }
        else
        {
            if (Visible(actor) is not { IsOk: true, Value: var visible }) return Outcome<Page<PatientView>>.Forbidden("Auditors read the disclosure trail (Audit), not patient records.");
            IEnumerable<PatientView> matching = visible!;
            if (search is not null)
            {
                // The index matches what the node sees; a reader without the demographics is matched by the id alone.
                var ids = directory.Search(search).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
                matching = matching.Where(p => ids.Contains(p.Id) && (p.DemographicsShared || p.Id.Equals(search, StringComparison.OrdinalIgnoreCase)));
            }
            var list = matching.ToList();
            list.Sort(comparer);
            sorted = list;
        }
        if (!string.IsNullOrWhiteSpace(query.Condition))
        {
            var c = query.Condition.Trim();
            sorted = sorted.Where(p => p.Details.Conditions.Any(x => TextFolding.Contains(x, c))).ToList();
        }
        var page = Paging.Of(sorted, query.Page, query.PageSize, query.Descending);
        access.RecordReads(actor, page.Items.Select(p => (p.Id, p.OrganisationId)), "patient list", ConsentCategories.All);
        return Outcome<Page<PatientView>>.Ok(page);
    }

    /// <summary>
    /// The patients <paramref name="actor"/> may list, as they see them (<see cref="PatientView.Shared"/>), with no disclosure
    /// recorded (callers record what they show): admins their organisation's, doctors those who share any category with them,
    /// patients themselves; auditors are refused.
    /// </summary>
    public Outcome<IReadOnlyList<PatientView>> Visible(UserSession actor)
    {
        if (actor.Role == Role.Auditor) return Outcome<IReadOnlyList<PatientView>>.Forbidden("Auditors read the disclosure trail (Audit), not patient records.");
        readModel.OpenGrantedTo(actor);
        IEnumerable<PatientView> visible = actor.Role switch
        {
            Role.Admin => directory.Patients(actor.OrganisationId),
            // A doctor's list includes patients of other organisations who granted them (or their organisation) access.
            Role.Doctor => directory.AllPatients().Select(p => p.For(policy.Reach(actor, p.Id, p.OrganisationId).Shared))
                .Where(p => p.Shared != ConsentCategories.None),
            Role.Patient => directory.Patient(actor.UserId) is { } self ? [self] : [],
            _ => [],
        };
        return Outcome<IReadOnlyList<PatientView>>.Ok(visible.ToList());
    }

    /// <summary>Records that <paramref name="actor"/> was shown these patients' <paramref name="resource"/> (one disclosure each, none for themselves).</summary>
    public void RecordShown(UserSession actor, IEnumerable<PatientView> shown, string resource) =>
        access.RecordReads(actor, shown.Select(p => (p.Id, p.OrganisationId)), resource, ConsentCategories.All);

    /// <summary>Opens at this node what patients of other organisations granted <paramref name="actor"/> (see <see cref="RecordReadModel.OpenGrantedTo"/>).</summary>
    public void OpenGrantedTo(UserSession actor) => readModel.OpenGrantedTo(actor);

    /// <summary>One patient's demographics, if the actor may see them; the read (or refusal) is recorded as a disclosure.</summary>
    public Outcome<PatientView> GetPatient(UserSession actor, string patientId) => GetPatient(actor, patientId, ConsentCategories.Demographics, "demographics");

    /// <summary>
    /// One patient, if the actor may read <paramref name="category"/> of their record (with <paramref name="anyOf"/>: any
    /// category of it); with <paramref name="record"/> the read (or refusal) of <paramref name="resource"/> is recorded as a
    /// disclosure. 404 for an unknown patient. The view says what the actor reaches (<see cref="PatientView.Shared"/>) and
    /// holds no demographics unless the actor may read them, so a page or printout of another category cannot show them.
    /// </summary>
    public Outcome<PatientView> GetPatient(UserSession actor, string patientId, ConsentCategories category, string resource, bool record = true, bool anyOf = false)
    {
        readModel.OpenGrantedTo(actor);
        var patient = directory.Patient(patientId);
        // A patient this node cannot open (another organisation's, without a grant) is answered like an unknown one.
        if (patient is null) return Outcome<PatientView>.NotFound(writer.MissingMessage(actor, "Patient", patientId, "(Or it is not shared with you.)"));
        if (access.CanSee(actor, patient.Id, patient.OrganisationId, category, resource, record, anyOf) is { } denied) return denied.As<PatientView>();
        return Outcome<PatientView>.Ok(patient.For(policy.Reach(actor, patient.Id, patient.OrganisationId).Shared));
    }

    /// <summary>
    /// A patient as <paramref name="actor"/> sees them (demographics only when shared with them), with no disclosure
    /// recorded: for pages and printouts of a read already allowed and recorded. Null when unknown.
    /// </summary>
    public PatientView? AsSeenBy(UserSession actor, string patientId)
    {
        readModel.OpenGrantedTo(actor);
        return directory.Patient(patientId) is { } p ? p.For(policy.Reach(actor, p.Id, p.OrganisationId).Shared) : null;
    }

    /// <summary>The organisation's patients (admins; for lists and reports), with no disclosure recorded: callers record what they show.</summary>
    public Outcome<IReadOnlyList<PatientView>> OrganisationPatients(UserSession actor, string action) =>
        access.RequireRole(actor, Role.Admin, action, actor.OrganisationId) is { } denied
            ? denied.As<IReadOnlyList<PatientView>>()
            : Outcome<IReadOnlyList<PatientView>>.Ok(directory.Patients(actor.OrganisationId));

    /// <summary>
    /// Null when the actor manages the patient's sharing and sees their access history (the patient, or an admin of their
    /// organisation); otherwise 404 for an unknown patient or 403.
    /// </summary>
    public Outcome<object>? CanManage(UserSession actor, string patientId)
    {
        var patient = directory.Patient(patientId);
        if (patient is null) return Outcome<object>.NotFound(writer.MissingMessage(actor, "Patient", patientId, "(Or it is not shared with you.)"));
        var allowed = (actor.Role == Role.Patient && actor.UserId == patientId) || (actor.Role == Role.Admin && actor.OrganisationId == patient.OrganisationId);
        return allowed ? null : Outcome<object>.Forbidden("Only the patient (or an admin of their organisation) sees their grants and access history.");
    }

    /// <summary>
    /// Gives a patient or doctor of the admin's organisation a new one-time password, in this node's login store
    /// (<c>keystore.db</c>) and published to the organisation's other nodes (<see cref="AccountService.ResetPasswordAsync"/>).
    /// </summary>
    public async Task<Outcome<PasswordReset>> ResetPasswordAsync(UserSession actor, string userId, CancellationToken ct)
    {
        if (access.RequireRole(actor, Role.Admin, "reset the password of", userId) is { } denied) return denied.As<PasswordReset>();
        var user = node.GetState(StateKeys.User(userId)) is { } bytes ? UserRecord.TryDecode(bytes) : null;
        if (user is null || user.OrganisationId != actor.OrganisationId) return Outcome<PasswordReset>.NotFound(writer.MissingMessage(actor, "User", userId));
        if (user.Role == Role.Admin && userId == actor.UserId)
        {
            return Outcome<PasswordReset>.Forbidden("An admin does not reset their own password: change it with POST /api/v1/auth/password (or the account page), which needs the current one.");
        }
        if (user.Role == Role.Admin) return access.Forbid<PasswordReset>(actor, "reset the password of another admin", userId);
        var oneTime = await accounts.ResetPasswordAsync(userId, ct);
        return oneTime is null
            ? Outcome<PasswordReset>.Failed("This user's keys cannot be recovered (no escrow).")
            : Outcome<PasswordReset>.Ok(new PasswordReset(userId, oneTime));
    }

    /// <summary>True when the MRN's blind index is already taken in the organisation.</summary>
    public bool MrnTaken(string mrn) => node.GetState(StateKeys.Mrn(organisation.Id, organisation.BlindIndex(mrn))) is not null;
}

/// <summary>A password reset's result: the user and their new one-time password (shown once).</summary>
public sealed record PasswordReset(string Id, string OneTimePassword);
