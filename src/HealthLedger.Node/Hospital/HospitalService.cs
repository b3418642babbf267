using System.Security.Cryptography;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Security;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Hospital;

/// <summary>
/// The hospital modules: registration of patients and doctors, the directory, entries and accounts, with every access
/// rule checked here (server side) and again by the state machine for writes. Every write is a transaction signed with
/// the acting user's own key; every record is sealed before it leaves this class.
/// </summary>
public sealed class HospitalService(LedgerNode node, HospitalRecords records, AccountService accounts, OrganisationKeys organisation,
    AccessPolicy access, DisclosureRecorder disclosures, TimeProvider clock, ILogger<HospitalService> logger)
{
    /// <summary>Longest wait for a write to commit.</summary>
    public static readonly TimeSpan CommitTimeout = TimeSpan.FromSeconds(30);

    private DateOnly Today => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    // ---------- patients ----------

    /// <summary>Registers a patient with a login and a one-time password (admins).</summary>
    public async Task<Outcome<WriteResult>> RegisterPatientAsync(UserSession actor, PatientInput input, CancellationToken ct)
    {
        if (Deny(actor, Role.Admin, "register a patient", "") is { } denied) return denied.As<WriteResult>();
        var (details, errors) = input.Validate(Today);
        if (details is null) return Outcome<WriteResult>.Invalid(errors);
        if (records.MrnTaken(details.Mrn)) return Outcome<WriteResult>.Invalid(FieldErrors.One("mrn", "A patient with this MRN is already registered."));

        var patientId = NewId("pt");
        var (keys, oneTime) = accounts.PrepareLogin(patientId);
        using (keys)
        {
            var (reference, ciphertext) = RecordSealer.Seal(patientId, 1, details, organisation.EncryptionKey, keys.Encryption.PublicKey);
            var payload = new RegisterPatientPayload(patientId, actor.OrganisationId, organisation.BlindIndex(details.Mrn), keys.Signing.PublicKey, keys.Encryption.PublicKey, reference);
            var outcome = await WriteAsync(actor, payload, Blobs(reference, ciphertext), patientId, ct,
                v => v == TxVerdict.AlreadyExists ? FieldErrors.One("mrn", "A patient with this MRN is already registered.") : null);
            if (!outcome.IsOk)
            {
                accounts.ForgetLogin(patientId);
                return outcome;
            }
            return Outcome<WriteResult>.Ok(outcome.Value! with { OneTimePassword = oneTime });
        }
    }

    /// <summary>Patients the actor may see, filtered, sorted and paged. Admins: their organisation's; doctors: those they attend; patients: themselves.</summary>
    public Outcome<Page<PatientView>> ListPatients(UserSession actor, PatientQuery query)
    {
        IEnumerable<PatientView> visible = actor.Role switch
        {
            Role.Admin => records.Patients(actor.OrganisationId),
            Role.Doctor => records.Patients(actor.OrganisationId).Where(p => access.Purpose(actor, p.Id, p.OrganisationId, ConsentCategories.Demographics) is not null),
            Role.Patient => records.Patient(actor.UserId) is { } self ? [self] : [],
            _ => [],
        };
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var q = query.Search.Trim();
            visible = visible.Where(p => p.Details.FullName.Contains(q, StringComparison.OrdinalIgnoreCase)
                || p.Details.Mrn.Contains(q, StringComparison.OrdinalIgnoreCase) || p.Id.Equals(q, StringComparison.OrdinalIgnoreCase));
        }
        if (!string.IsNullOrWhiteSpace(query.Condition))
        {
            var c = query.Condition.Trim();
            visible = visible.Where(p => p.Details.Conditions.Any(x => x.Contains(c, StringComparison.OrdinalIgnoreCase)));
        }
        var sorted = (query.Sort ?? "name").ToLowerInvariant() switch
        {
            "age" => visible.OrderByDescending(p => p.Details.DateOfBirth),
            "mrn" => visible.OrderBy(p => p.Details.Mrn, StringComparer.Ordinal),
            "registered" => visible.OrderBy(p => p.Proof.Height),
            _ => visible.OrderBy(p => p.Details.FullName, StringComparer.OrdinalIgnoreCase),
        };
        var list = (query.Descending ? sorted.Reverse() : sorted).ToList();
        var page = Paginate(list, query.Page, query.PageSize);
        foreach (var p in page.Items.Where(p => p.Id != actor.UserId))
        {
            disclosures.Record(actor, p.Id, "patient list", access.Purpose(actor, p.Id, p.OrganisationId, ConsentCategories.Demographics) ?? "-", true);
        }
        return Outcome<Page<PatientView>>.Ok(page);
    }

    /// <summary>One patient, if the actor may see them.</summary>
    public Outcome<PatientView> GetPatient(UserSession actor, string patientId) => GetPatient(actor, patientId, ConsentCategories.Demographics, "demographics");

    /// <summary>One patient, if the actor may see the given part of their record; the read (or refusal) is recorded as a disclosure.</summary>
    public Outcome<PatientView> GetPatient(UserSession actor, string patientId, ConsentCategories category, string resource, bool record = true)
    {
        var patient = records.Patient(patientId);
        if (patient is null) return Outcome<PatientView>.NotFound($"Patient '{patientId}' does not exist.");
        return CanSee(actor, patient, category, resource, record) is { } denied ? denied.As<PatientView>() : Outcome<PatientView>.Ok(patient);
    }

    /// <summary>Gives a patient or doctor of the admin's organisation a new one-time password.</summary>
    public Outcome<WriteResult> ResetPassword(UserSession actor, string userId)
    {
        if (Deny(actor, Role.Admin, "reset the password of", userId) is { } denied) return denied.As<WriteResult>();
        var user = node.GetState(StateKeys.User(userId)) is { } bytes ? UserRecord.TryDecode(bytes) : null;
        if (user is null || user.OrganisationId != actor.OrganisationId) return Outcome<WriteResult>.NotFound($"User '{userId}' does not exist.");
        if (user.Role == Role.Admin) return Forbid<WriteResult>(actor, "reset the password of another admin", userId);
        var oneTime = accounts.ResetPassword(userId);
        return oneTime is null
            ? Outcome<WriteResult>.Failed("This user's keys cannot be recovered (no escrow).")
            : Outcome<WriteResult>.Ok(new WriteResult(userId, "", node.Tip.Height, oneTime));
    }

    // ---------- doctors ----------

    /// <summary>Registers a doctor with a login and a one-time password (admins).</summary>
    public async Task<Outcome<WriteResult>> RegisterDoctorAsync(UserSession actor, DoctorInput input, CancellationToken ct)
    {
        if (Deny(actor, Role.Admin, "register a doctor", "") is { } denied) return denied.As<WriteResult>();
        var (doctorId, details, errors) = input.Validate();
        if (details is null) return Outcome<WriteResult>.Invalid(errors);
        if (node.GetState(StateKeys.User(doctorId)) is not null) return Outcome<WriteResult>.Invalid(FieldErrors.One("doctorId", "This id is already taken."));
        var (keys, oneTime) = accounts.PrepareLogin(doctorId);
        using (keys)
        {
            var (reference, ciphertext) = RecordSealer.Seal(doctorId, 1, details, organisation.EncryptionKey, keys.Encryption.PublicKey);
            var payload = new RegisterDoctorPayload(doctorId, actor.OrganisationId, keys.Signing.PublicKey, keys.Encryption.PublicKey, reference);
            var outcome = await WriteAsync(actor, payload, Blobs(reference, ciphertext), doctorId, ct,
                v => v == TxVerdict.AlreadyExists ? FieldErrors.One("doctorId", "This id is already taken.") : null);
            if (!outcome.IsOk)
            {
                accounts.ForgetLogin(doctorId);
                return outcome;
            }
            return Outcome<WriteResult>.Ok(outcome.Value! with { OneTimePassword = oneTime });
        }
    }

    /// <summary>Sets a doctor's on-call flag (an admin of their organisation, or the doctor).</summary>
    public async Task<Outcome<WriteResult>> SetOnCallAsync(UserSession actor, string doctorId, bool onCall, CancellationToken ct)
    {
        var doctor = records.Doctor(doctorId);
        if (doctor is null || doctor.OrganisationId != actor.OrganisationId) return Outcome<WriteResult>.NotFound($"Doctor '{doctorId}' does not exist.");
        if (actor.UserId != doctorId && Deny(actor, Role.Admin, "change the on-call status of", doctorId) is { } denied) return denied.As<WriteResult>();
        var version = doctor.Version + 1;
        var doctorKey = node.GetState(StateKeys.User(doctorId)) is { } u ? UserRecord.TryDecode(u)!.EncryptionKey : organisation.EncryptionKey;
        var (reference, ciphertext) = RecordSealer.Seal(doctorId, version, doctor.Details with { OnCall = onCall }, organisation.EncryptionKey, doctorKey);
        return await WriteAsync(actor, new UpdateRecordPayload(RecordSubject.Doctor, doctorId, version, reference), Blobs(reference, ciphertext), doctorId, ct);
    }

    /// <summary>The directory (every role of the organisation), filtered.</summary>
    public Page<DoctorView> ListDoctors(UserSession actor, DoctorQuery query)
    {
        IEnumerable<DoctorView> list = records.Doctors(actor.OrganisationId);
        if (!string.IsNullOrWhiteSpace(query.Search)) list = list.Where(d => d.Details.Name.Contains(query.Search.Trim(), StringComparison.OrdinalIgnoreCase));
        if (!string.IsNullOrWhiteSpace(query.Specialty)) list = list.Where(d => d.Details.Specialty.Equals(query.Specialty.Trim(), StringComparison.OrdinalIgnoreCase));
        if (!string.IsNullOrWhiteSpace(query.Department)) list = list.Where(d => d.Details.Department.Equals(query.Department.Trim(), StringComparison.OrdinalIgnoreCase));
        if (query.OnCall is { } onCall) list = list.Where(d => d.Details.OnCall == onCall);
        return Paginate(list.OrderBy(d => d.Details.Name, StringComparer.OrdinalIgnoreCase).ToList(), query.Page, query.PageSize);
    }

    /// <summary>One doctor of the actor's organisation.</summary>
    public Outcome<DoctorView> GetDoctor(UserSession actor, string doctorId) =>
        records.Doctor(doctorId) is { } d && d.OrganisationId == actor.OrganisationId
            ? Outcome<DoctorView>.Ok(d)
            : Outcome<DoctorView>.NotFound($"Doctor '{doctorId}' does not exist.");

    /// <summary>Doctors on call now, grouped by specialty (the emergency view).</summary>
    public IReadOnlyList<IGrouping<string, DoctorView>> OnCallBySpecialty(UserSession actor) =>
        records.Doctors(actor.OrganisationId).Where(d => d.Details.OnCall)
            .OrderBy(d => d.Details.Name, StringComparer.OrdinalIgnoreCase)
            .GroupBy(d => d.Details.Specialty, StringComparer.OrdinalIgnoreCase)
            .OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase).ToList();

    // ---------- entries and accounts ----------

    /// <summary>Adds an encounter or account entry. Admins: any; doctors: visits for patients they attend, as themselves.</summary>
    public async Task<Outcome<WriteResult>> AddEntryAsync(UserSession actor, string patientId, EntryInput input, CancellationToken ct)
    {
        var patient = records.Patient(patientId);
        if (patient is null) return Outcome<WriteResult>.NotFound($"Patient '{patientId}' does not exist.");
        if (CanSee(actor, patient, ConsentCategories.Encounters, "entry form", record: false) is { } hidden) return hidden.As<WriteResult>();
        var (type, details, errors) = input.Validate(clock.GetUtcNow().UtcDateTime);
        if (details is null) return Outcome<WriteResult>.Invalid(errors);
        var isAdmin = actor.Role == Role.Admin;
        var isDoctorVisit = actor.Role == Role.Doctor && type == EntryType.Visit;
        if (!isAdmin && !isDoctorVisit) return Forbid<WriteResult>(actor, $"add a {type} for", patientId);
        var doctorId = (input.DoctorId ?? "").Trim().ToLowerInvariant();
        if (isDoctorVisit && doctorId != actor.UserId) return Outcome<WriteResult>.Invalid(FieldErrors.One("doctorId", "A doctor records visits as the attending doctor."));
        if (type is EntryType.Charge or EntryType.Payment) doctorId = "";
        if (doctorId.Length > 0 && records.Doctor(doctorId)?.OrganisationId != patient.OrganisationId)
        {
            return Outcome<WriteResult>.Invalid(FieldErrors.One("doctorId", "Unknown doctor."));
        }
        var corrects = (input.CorrectsId ?? "").Trim();
        if (corrects.Length > 0 && (records.Entry(corrects) is not { } old || old.PatientId != patientId || old.Type != type))
        {
            return Outcome<WriteResult>.Invalid(FieldErrors.One("correctsId", "The corrected entry must be an entry of the same type for this patient."));
        }
        var patientKey = node.GetState(StateKeys.User(patientId)) is { } u ? UserRecord.TryDecode(u)!.EncryptionKey : organisation.EncryptionKey;
        var entryId = NewId("en");
        var category = type is EntryType.Charge or EntryType.Payment ? ConsentCategories.Account : ConsentCategories.Encounters;
        var (reference, ciphertext) = RecordSealer.Seal(entryId, 1, details, [organisation.EncryptionKey, patientKey, .. access.GranteeKeys(patientId, category)]);
        var payload = new AddEntryPayload(entryId, patientId, type, doctorId, corrects, reference);
        return await WriteAsync(actor, payload, Blobs(reference, ciphertext), entryId, ct);
    }

    /// <summary>A patient's entries, if the actor may see the patient.</summary>
    public Outcome<IReadOnlyList<EntryView>> Entries(UserSession actor, string patientId)
    {
        var patient = GetPatient(actor, patientId, ConsentCategories.Encounters | ConsentCategories.Account, "encounters and account");
        return patient.IsOk ? Outcome<IReadOnlyList<EntryView>>.Ok(records.Entries(patientId)) : patient.As<IReadOnlyList<EntryView>>();
    }

    /// <summary>A patient's account: charges and payments in date order with a running balance; corrected lines are replaced by their corrections.</summary>
    public Outcome<AccountView> Account(UserSession actor, string patientId)
    {
        var entries = Entries(actor, patientId);
        if (!entries.IsOk) return entries.As<AccountView>();
        return Outcome<AccountView>.Ok(BuildAccount(patientId, entries.Value!));
    }

    /// <summary>Builds an account view from entries.</summary>
    public static AccountView BuildAccount(string patientId, IEnumerable<EntryView> entries)
    {
        var lines = new List<AccountLine>();
        decimal balance = 0, charges = 0, payments = 0;
        foreach (var e in entries.Where(e => e.IsEffective && e.Type is EntryType.Charge or EntryType.Payment).OrderBy(e => e.Details.OccurredAt).ThenBy(e => e.Proof.Height))
        {
            var amount = e.Details.AccountEffect(e.Type);
            balance += amount;
            if (amount >= 0) charges += amount;
            else payments -= amount;
            lines.Add(new AccountLine(e, amount, balance));
        }
        return new AccountView(patientId, lines, charges, payments, balance);
    }

    /// <summary>The organisation's entries, filtered, newest first (admins).</summary>
    public Outcome<Page<EntryView>> ListEntries(UserSession actor, EntryQuery query)
    {
        if (Deny(actor, Role.Admin, "list the entries of", actor.OrganisationId) is { } denied) return denied.As<Page<EntryView>>();
        IEnumerable<EntryView> list = records.AllEntries(actor.OrganisationId);
        if (!string.IsNullOrWhiteSpace(query.Type))
        {
            if (!Enum.TryParse<EntryType>(query.Type, ignoreCase: true, out var type) || !Enum.IsDefined(type) || int.TryParse(query.Type, out _))
            {
                return Outcome<Page<EntryView>>.Invalid(FieldErrors.One("type", "Type must be one of: admission, visit, transfer, discharge, charge, payment."));
            }
            list = list.Where(e => e.Type == type);
        }
        if (query.From is { } from && query.To is { } to && to < from) return Outcome<Page<EntryView>>.Invalid(FieldErrors.One("to", "'To' must not be before 'from'."));
        if (!string.IsNullOrWhiteSpace(query.DoctorId)) list = list.Where(e => e.DoctorId == query.DoctorId.Trim().ToLowerInvariant());
        if (!string.IsNullOrWhiteSpace(query.PatientId)) list = list.Where(e => e.PatientId == query.PatientId.Trim());
        if (query.From is { } f) list = list.Where(e => DateOnly.FromDateTime(e.Details.OccurredAt) >= f);
        if (query.To is { } t) list = list.Where(e => DateOnly.FromDateTime(e.Details.OccurredAt) <= t);
        return Outcome<Page<EntryView>>.Ok(Paginate(list.OrderByDescending(e => e.Details.OccurredAt).ThenByDescending(e => e.Proof.Height).ToList(), query.Page, query.PageSize));
    }

    /// <summary>Every patient's account totals, searchable and sortable (admins).</summary>
    public Outcome<Page<AccountSummary>> ListAccounts(UserSession actor, AccountQuery query)
    {
        if (Deny(actor, Role.Admin, "list the accounts of", actor.OrganisationId) is { } denied) return denied.As<Page<AccountSummary>>();
        var entries = records.AllEntries(actor.OrganisationId).ToLookup(e => e.PatientId);
        IEnumerable<AccountSummary> list = records.Patients(actor.OrganisationId).Select(p =>
        {
            var account = BuildAccount(p.Id, entries[p.Id]);
            return new AccountSummary(p, account.Charges, account.Payments, account.Balance, account.Lines.Count);
        });
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var q = query.Search.Trim();
            list = list.Where(a => a.Patient.Details.FullName.Contains(q, StringComparison.OrdinalIgnoreCase) || a.Patient.Details.Mrn.Contains(q, StringComparison.OrdinalIgnoreCase));
        }
        if (query.OutstandingOnly) list = list.Where(a => a.Balance > 0);
        var sorted = (query.Sort ?? "balance").ToLowerInvariant() switch
        {
            "charges" => list.OrderBy(a => a.Charges),
            "payments" => list.OrderBy(a => a.Payments),
            "name" => list.OrderBy(a => a.Patient.Details.FullName, StringComparer.OrdinalIgnoreCase),
            _ => list.OrderBy(a => a.Balance),
        };
        var ordered = (query.Descending ? sorted.Reverse() : sorted).ToList();
        return Outcome<Page<AccountSummary>>.Ok(Paginate(ordered, query.Page, query.PageSize));
    }

    /// <summary>All entries of the actor's organisation (admins; for the reports).</summary>
    public Outcome<IReadOnlyList<EntryView>> OrganisationEntries(UserSession actor) =>
        Deny(actor, Role.Admin, "read the reports of", actor.OrganisationId) is { } denied
            ? denied.As<IReadOnlyList<EntryView>>()
            : Outcome<IReadOnlyList<EntryView>>.Ok(records.AllEntries(actor.OrganisationId));

    /// <summary>The organisation's patients (admins; for the reports).</summary>
    public IReadOnlyList<PatientView> OrganisationPatients(UserSession actor) =>
        actor.Role == Role.Admin ? records.Patients(actor.OrganisationId) : [];

    // ---------- plumbing ----------

    /// <summary>Signs <paramref name="payload"/> as the actor, submits it with its record ciphertexts and waits for the commit.</summary>
    public Task<Outcome<WriteResult>> SubmitAsync(UserSession actor, TxPayload payload, IReadOnlyDictionary<Hash256, byte[]> blobs, string id, CancellationToken ct) =>
        WriteAsync(actor, payload, blobs, id, ct);

    private async Task<Outcome<WriteResult>> WriteAsync(UserSession actor, TxPayload payload, IReadOnlyDictionary<Hash256, byte[]> blobs, string id,
        CancellationToken ct, Func<TxVerdict, FieldErrors?>? fieldFor = null)
    {
        Transaction tx;
        SubmitResult submitted;
        await actor.SigningGate.WaitAsync(ct);
        try
        {
            var nonce = node.Nonces(actor.Keys.Signing.PublicKey).Next;
            tx = Transaction.Create(node.Network.NetworkId, actor.Keys.Signing, nonce, payload);
            submitted = node.Submit(tx.Encoded.Span, blobs);
        }
        finally
        {
            actor.SigningGate.Release();
        }
        if (!submitted.Result.IsOk) return Refused(submitted.Result, fieldFor);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(CommitTimeout);
        Storage.CommittedTransaction committed;
        try
        {
            committed = await node.WaitForCommitAsync(tx.Id, timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Outcome<WriteResult>.Failed($"The ledger did not commit transaction {tx.Id} within {CommitTimeout.TotalSeconds:0} s; it may still commit.");
        }
        if (committed.Receipt.Verdict != TxVerdict.Ok) return Refused(new TxResult(committed.Receipt.Verdict, committed.Receipt.Reason), fieldFor);
        return Outcome<WriteResult>.Ok(new WriteResult(id, tx.Id.ToString(), committed.Height));
    }

    private static Outcome<WriteResult> Refused(TxResult result, Func<TxVerdict, FieldErrors?>? fieldFor)
    {
        if (fieldFor?.Invoke(result.Verdict) is { } errors) return Outcome<WriteResult>.Invalid(errors);
        return result.Verdict switch
        {
            TxVerdict.Unauthorized => Outcome<WriteResult>.Forbidden($"The ledger refused: {result.Reason}."),
            TxVerdict.NotFound => Outcome<WriteResult>.NotFound($"The ledger refused: {result.Reason}."),
            _ => Outcome<WriteResult>.Failed($"The ledger refused the change ({result.Verdict}): {result.Reason}."),
        };
    }

    private static Dictionary<Hash256, byte[]> Blobs(SealedRecordRef reference, byte[] ciphertext) => new() { [reference.CiphertextHash] = ciphertext };

    private Outcome<object>? Deny(UserSession actor, Role required, string action, string target) =>
        actor.Role == required ? null : Forbid<object>(actor, action, target);

    private Outcome<object>? CanSee(UserSession actor, PatientView patient, ConsentCategories category, string resource, bool record)
    {
        var purpose = access.Purpose(actor, patient.Id, patient.OrganisationId, category);
        if (record && actor.UserId != patient.Id) disclosures.Record(actor, patient.Id, resource, purpose ?? "-", purpose is not null);
        return purpose is not null ? null : Forbid<object>(actor, "read the " + resource + " of", patient.Id);
    }

    private Outcome<T> Forbid<T>(UserSession actor, string action, string target)
    {
        Log.AccessDenied(logger, actor.UserId, actor.Role, action, target.Length == 0 ? "-" : target);
        return Outcome<T>.Forbidden($"You may not {action}{(target.Length == 0 ? "" : " " + target)}.");
    }

    private static Page<T> Paginate<T>(IReadOnlyList<T> all, int page, int pageSize)
    {
        pageSize = Math.Clamp(pageSize, 1, 200);
        var pages = Math.Max(1, (all.Count + pageSize - 1) / pageSize);
        page = Math.Clamp(page, 1, pages);
        return new Page<T>(all.Skip((page - 1) * pageSize).Take(pageSize).ToList(), all.Count, page, pageSize);
    }

    private static string NewId(string prefix) => $"{prefix}-{RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyz23456789", 10)}";
}
