using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using HealthLedger.Node.Wards;

namespace HealthLedger.Node.Encounters;

/// <summary>
/// A patient's entries: encounters (admission, visit, transfer, discharge) and account lines (charge, payment). Entries are
/// never changed; a correction is a new entry of the same type that names the one it corrects.
/// </summary>
public sealed class EncounterService(EntryStore entries, PatientService patients, DoctorDirectory doctors, RecordWriter writer, RecordAccess access,
    AccessPolicy policy, HospitalTime time, WardService wards, CategoryKeyring keyring)
{
    /// <summary>Adds an encounter (admission, visit, transfer, discharge, or a correction of one); account lines are refused here.</summary>
    public Task<Outcome<EntryView>> AddEncounterAsync(UserSession actor, string patientId, EntryInput input, CancellationToken ct)
    {
        var type = (input.Type ?? "").Trim();
        if (type.Equals(nameof(EntryType.Charge), StringComparison.OrdinalIgnoreCase) || type.Equals(nameof(EntryType.Payment), StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(Outcome<EntryView>.Invalid(FieldErrors.One("type", "Use the account endpoints for charges and payments.")));
        }
        return AddAsync(actor, patientId, input, ct);
    }

    /// <summary>
    /// Adds an encounter or account entry. Admins: any; doctors: visits for patients they attend, as themselves. Answers
    /// the entry as written, straight from the read model: the writer's own echo is not a disclosure.
    /// </summary>
    public async Task<Outcome<EntryView>> AddAsync(UserSession actor, string patientId, EntryInput input, CancellationToken ct)
    {
        // A doctor writes visits as themselves: one who leaves doctorId out is the attending doctor (as FHIR's Encounter does).
        if (actor.Role == Role.Doctor && string.IsNullOrWhiteSpace(input.DoctorId)) input.DoctorId = actor.UserId;
        // Entries whose door check reads what earlier entries of the patient left (a payment against the balance due, a
        // correction against the current version, a stay event against the stay) are checked and written one at a time per
        // patient, so two payments cannot both pass the overpayment check. The rest (charges, deposits, visits: nothing reads
        // the patient's other entries to accept them, and they cannot make a concurrent check wrong — a charge only raises
        // the balance due) go straight on, so a patient's entries share blocks instead of committing one per block.
        if (!NeedsOrdering(input)) return await AddUnderGateAsync(actor, patientId, input, ct);
        var gate = _accountGates[(int)((uint)StringComparer.Ordinal.GetHashCode(patientId) % (uint)_accountGates.Length)];
        await gate.WaitAsync(ct);
        try
        {
            return await AddUnderGateAsync(actor, patientId, input, ct);
        }
        finally
        {
            gate.Release();
        }
    }

    // True unless the entry is a charge, a deposit or a visit that corrects nothing (an entry that does not validate is
    // refused before anything is written, with or without the gate).
    private bool NeedsOrdering(EntryInput input)
    {
        if ((input.CorrectsId ?? "").Trim().Length > 0) return true;
        var (type, details, _) = input.Validate(time);
        if (details is null) return false;
        return !(type is EntryType.Charge or EntryType.Visit || (type == EntryType.Payment && details.Deposit));
    }

    private readonly SemaphoreSlim[] _accountGates = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    private async Task<Outcome<EntryView>> AddUnderGateAsync(UserSession actor, string patientId, EntryInput input, CancellationToken ct)
    {
        var found = patients.GetPatient(actor, patientId, ConsentCategories.Encounters, "entry form", record: false);
        if (!found.IsOk) return found.As<EntryView>();
        var patient = found.Value!;
        var (type, details, errors) = input.Validate(time);
        if (details is null) return Outcome<EntryView>.Invalid(errors);
        var isAdmin = actor.Role == Role.Admin;
        var isDoctorVisit = actor.Role == Role.Doctor && type == EntryType.Visit;
        // The state machine's rule, checked here too so that a refusal writes nothing: admins add any entry; a doctor adds
        // visits for patients they attend (a grant lets a doctor read, not write entries).
        if (!isAdmin && !(isDoctorVisit && policy.Attends(actor, patientId))) return access.Forbid<EntryView>(actor, $"add a {type} for", patientId);
        var doctorId = (input.DoctorId ?? "").Trim().ToLowerInvariant();
        if (isDoctorVisit && doctorId != actor.UserId) return Outcome<EntryView>.Invalid(FieldErrors.One("doctorId", "A doctor records visits as the attending doctor."));
        if (type.IsAccountLine()) doctorId = "";
        if (doctorId.Length > 0 && doctors.Doctor(doctorId)?.OrganisationId != patient.OrganisationId)
        {
            return Outcome<EntryView>.Invalid(FieldErrors.One("doctorId", "Unknown doctor."));
        }
        var corrects = (input.CorrectsId ?? "").Trim();
        if (corrects.Length > 0 && (entries.Entry(corrects) is not { } old || old.PatientId != patientId || old.Type != type))
        {
            return Outcome<EntryView>.Invalid(FieldErrors.One("correctsId", "The corrected entry must be an entry of the same type for this patient."));
        }
        if (corrects.Length > 0 && entries.Entry(corrects)!.CorrectedBy is { } newer)
        {
            return Outcome<EntryView>.Conflict(FieldErrors.One("correctsId", $"Entry {corrects} was already corrected by entry {newer}; correct the current version ({newer}) instead."),
                "Only the current version of an entry can be corrected.");
        }
        if (type == EntryType.Payment && !details.Deposit && BalanceDue(patientId, corrects) is var balance && details.Amount > balance)
        {
            return Outcome<EntryView>.Conflict(FieldErrors.One("amount",
                $"The payment ({details.Amount:0.00}) is more than the balance due ({Math.Max(balance, 0):0.00}); record it as a deposit (\"deposit\": true) to keep a credit."),
                "An overpayment must be recorded as a deposit.");
        }
        if (type is EntryType.Admission or EntryType.Transfer)
        {
            var (ward, bedName, unknown) = wards.Check(details.Ward, details.Bed);
            if (unknown is not null) return Outcome<EntryView>.Invalid(unknown);
            details = details with { Ward = ward, Bed = bedName };
        }
        var bed = type is EntryType.Admission or EntryType.Transfer ? wards.BedIndex(details.Ward, details.Bed) : Hash256.Zero;
        if (corrects.Length == 0 && Lifecycle(patientId, type, details, bed) is { } conflict) return Outcome<EntryView>.Conflict(conflict, "The entry does not fit the patient's stay.");
        var entryId = RecordIds.New("en");
        var written = await writer.SubmitSealedAsync(actor, () =>
        {
            var (reference, ciphertext) = keyring.Seal(patientId, type.ConsentCategory(), entryId, 1, details);
            return (new AddEntryPayload(entryId, patientId, type, doctorId, corrects, reference, bed), RecordWriter.Blobs(reference, ciphertext));
        }, entryId, ct);
        if (!written.IsOk) return written.As<EntryView>();
        return entries.Entry(entryId) is { } entry
            ? Outcome<EntryView>.Ok(entry)
            : Outcome<EntryView>.Failed($"Entry {entryId} was committed in block {written.Value!.Height} but this node cannot open it.");
    }

    /// <summary>What the patient owes: charges less payments of the current account lines, leaving out <paramref name="replaced"/> (a line being corrected).</summary>
    public decimal BalanceDue(string patientId, string replaced = "") =>
        entries.Entries(patientId).Where(e => e.IsEffective && e.Type.IsAccountLine() && e.Id != replaced).Sum(e => e.Details.AccountEffect(e.Type));

    /// <summary>The patient's stay as the chain holds it (none when never admitted).</summary>
    public StayState Stay(string patientId) =>
        wards.Stay(patientId);

    /// <summary>
    /// The door's mirror of the state machine's stay rules (admitted → transferred* → discharged, one patient per bed), plus
    /// the one rule the chain cannot check because entry times are sealed: an encounter event is not dated before the last one.
    /// </summary>
    private FieldErrors? Lifecycle(string patientId, EntryType type, EntryDetails details, Hash256 bed)
    {
        if (type is not (EntryType.Admission or EntryType.Transfer or EntryType.Discharge)) return null;
        var stay = Stay(patientId);
        var errors = new FieldErrors();
        if (type == EntryType.Admission && stay.Status == StayStatus.Admitted) errors.Add("type", "The patient is already admitted: record a transfer or a discharge.");
        if (type != EntryType.Admission && stay.Status != StayStatus.Admitted)
        {
            errors.Add("type", stay.Status == StayStatus.Discharged
                ? $"The patient has been discharged: a {type.ToString().ToLowerInvariant()} needs a new admission first."
                : $"The patient is not admitted: a {type.ToString().ToLowerInvariant()} follows an admission.");
        }
        if (!bed.IsZero && bed != stay.Bed && !wards.IsFree(bed, patientId)) errors.Add("bed", $"Bed {details.Bed} in ward {details.Ward} is occupied by another patient.");
        var last = entries.Entries(patientId).Where(e => e.IsEffective && e.Type is EntryType.Admission or EntryType.Transfer or EntryType.Discharge)
            .Select(e => (DateTimeOffset?)e.Details.OccurredAt).Max();
        if (last is { } previous && details.OccurredAt < previous)
        {
            errors.Add("occurredAt", $"The {type.ToString().ToLowerInvariant()} cannot be dated before the patient's last admission, transfer or discharge ({time.Show(previous)} {time.ZoneName}).");
        }
        return errors.IsEmpty ? null : errors;
    }

    /// <summary>
    /// A patient's entries in the order they were written, as far as the actor may read them: encounters (admissions,
    /// visits, transfers, discharges) with the encounters category, account lines (charges, payments) with the account
    /// category; each stands alone. Refused when the actor reaches neither.
    /// </summary>
    public Outcome<IReadOnlyList<EntryView>> Entries(UserSession actor, string patientId) =>
        Entries(actor, patientId, ConsentCategories.Encounters | ConsentCategories.Account, "entries");

    /// <summary>
    /// The patient's entries in <paramref name="categories"/> (encounters, account or both) that the actor may read,
    /// recorded (with <paramref name="record"/>) as a read of <paramref name="resource"/>; refused when the actor reaches none of them.
    /// </summary>
    public Outcome<IReadOnlyList<EntryView>> Entries(UserSession actor, string patientId, ConsentCategories categories, string resource, bool record = true)
    {
        var patient = patients.GetPatient(actor, patientId, categories, resource, record, anyOf: true);
        if (!patient.IsOk) return patient.As<IReadOnlyList<EntryView>>();
        var shared = patient.Value!.Shared & categories;
        return Outcome<IReadOnlyList<EntryView>>.Ok(entries.Entries(patientId).Where(e => (shared & e.Type.ConsentCategory()) != 0).ToList());
    }

    /// <summary>
    /// All entries of the actor's organisation as summaries (admins; for lists and statistics): their details hold only when,
    /// ward, bed and the amounts (<see cref="EntryStore.Summaries"/>); <see cref="EntryStore.Whole"/> opens the rest.
    /// </summary>
    public Outcome<IReadOnlyList<EntryView>> OrganisationEntries(UserSession actor, string action = "read the entries of")
    {
        var organisationPatients = patients.OrganisationPatients(actor, action);
        if (!organisationPatients.IsOk) return organisationPatients.As<IReadOnlyList<EntryView>>();
        return Outcome<IReadOnlyList<EntryView>>.Ok(entries.Summaries(organisationPatients.Value!.Select(p => p.Id).ToHashSet(StringComparer.Ordinal)));
    }

    /// <summary>
    /// The organisation's entries, filtered by type, doctor, patient and date range, newest first (admins). Each patient on
    /// the page is recorded as a disclosure.
    /// </summary>
    public Outcome<Page<EntryView>> List(UserSession actor, EntryQuery query)
    {
        var all = OrganisationEntries(actor, "list the entries of");
        if (!all.IsOk) return all.As<Page<EntryView>>();
        IEnumerable<EntryView> list = all.Value!;
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
        if (query.From is { } f) list = list.Where(e => e.Details.OccurredAt >= time.StartOfDay(f));
        if (query.To is { } t) list = list.Where(e => e.Details.OccurredAt < time.StartOfDay(t.AddDays(1)));
        var page = Paging.Of(list.OrderByDescending(e => e.Details.OccurredAt).ThenByDescending(e => e.Proof.Height).ThenByDescending(e => e.Id, StringComparer.Ordinal).ToList(), query.Page, query.PageSize);
        page = page with { Items = entries.Whole(page.Items) }; // the page's entries whole (the list is of summaries)
        access.RecordReads(actor, page.Items.Select(e => (e.PatientId, actor.OrganisationId)), "entry list", ConsentCategories.Encounters | ConsentCategories.Account);
        return Outcome<Page<EntryView>>.Ok(page);
    }
}
