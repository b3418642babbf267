using System.Diagnostics.CodeAnalysis;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Pharmacy;

/// <summary>
/// The organisation's pharmacy: the formulary and stock (pharmacists and admins keep them; staff read them), doctors'
/// prescriptions checked against the patient's recorded allergies, dispensing by pharmacists with the charge posted to the
/// account, alerts, the stock movement report and the patient's medication list. Every rule the state machine enforces is
/// checked here first against the committed state, so a refusal writes nothing; the state machine decides at block time
/// (stock under concurrency).
/// </summary>
public sealed class PharmacyService(LedgerNode node, FormularyStore formulary, StockBatchStore batches, PrescriptionStore prescriptions, DispenseStore dispenses,
    PatientService patients, PatientDirectory directory, RecordWriter writer, RecordAccess access, OrganisationKeys organisation, CategoryKeyring keyring, TimeProvider clock)
{
    /// <summary>Batches expiring within this many days (and with units on hand) are near expiry.</summary>
    public const int NearExpiryDays = 60;

    private int Today => Core.Records.Pharmacy.Day((ulong)clock.GetUtcNow().ToUnixTimeMilliseconds());

    private IStateReader State => new NodeState(node);

    // ---- formulary and stock ----

    /// <summary>The organisation's formulary with stock (staff of the organisation: admins, doctors, pharmacists).</summary>
    public Outcome<IReadOnlyList<StockLevel>> Stock(UserSession actor)
    {
        if (!IsStaff(actor)) return access.Forbid<IReadOnlyList<StockLevel>>(actor, "read the pharmacy stock of", actor.OrganisationId);
        return Outcome<IReadOnlyList<StockLevel>>.Ok(formulary.Drugs(actor.OrganisationId).Select(d => Level(d)).ToList());
    }

    /// <summary>One drug of the organisation's formulary with its stock; 404 when it is not the actor's organisation's.</summary>
    public Outcome<StockLevel> Drug(UserSession actor, string drugId)
    {
        if (!IsStaff(actor)) return access.Forbid<StockLevel>(actor, "read the pharmacy stock of", actor.OrganisationId);
        return formulary.Drug(drugId) is { } drug && drug.OrganisationId == actor.OrganisationId
            ? Outcome<StockLevel>.Ok(Level(drug))
            : Outcome<StockLevel>.NotFound($"Drug '{Missing.Shown(drugId)}' is not in the formulary.");
    }

    /// <summary>Adds a drug to the formulary (pharmacists, admins).</summary>
    public async Task<Outcome<StockLevel>> AddDrugAsync(UserSession actor, DrugInput input, CancellationToken ct)
    {
        if (!KeepsPharmacy(actor)) return access.Forbid<StockLevel>(actor, "change the formulary of", actor.OrganisationId);
        var (details, errors) = input.Validate();
        if (details is null) return Outcome<StockLevel>.Invalid(errors);
        if (formulary.Drugs(actor.OrganisationId).Any(d => Same(d.Details, details)))
        {
            return Outcome<StockLevel>.Conflict(FieldErrors.One("name", $"{details.Label} is already in the formulary."), "The drug is already in the formulary.");
        }
        return await WriteDrugAsync(actor, RecordIds.New("drug"), 1, details, ct);
    }

    /// <summary>
    /// Changes a drug (price, reorder level, names). The client names the version it changed (<see cref="DrugInput.Version"/>
    /// or <paramref name="ifMatch"/>, <see cref="EditedVersion"/>): none is 400 naming <c>version</c> (with any other field
    /// errors), another than the current one 409 naming <c>version</c> and the current version; nothing is written on any refusal.
    /// </summary>
    public async Task<Outcome<StockLevel>> UpdateDrugAsync(UserSession actor, string drugId, DrugInput input, string? ifMatch, CancellationToken ct)
    {
        if (!KeepsPharmacy(actor)) return access.Forbid<StockLevel>(actor, "change the formulary of", actor.OrganisationId);
        if (formulary.Drug(drugId) is not { } current || current.OrganisationId != actor.OrganisationId) return Outcome<StockLevel>.NotFound($"Drug '{Missing.Shown(drugId)}' is not in the formulary.");
        var (details, errors) = input.Validate();
        var stale = EditedVersion.Check<StockLevel>(input.Version, ifMatch, current.Version, What);
        if (details is null)
        {
            // The version's own 400 (none given, a bad If-Match) is shown with the other fields' errors.
            foreach (var message in stale is { Kind: OutcomeKind.Invalid, Errors: { } versionErrors } ? versionErrors.ToDictionary()["version"] : []) errors.Add("version", message);
            return Outcome<StockLevel>.Invalid(errors);
        }
        if (stale is not null) return stale;
        var written = await WriteDrugAsync(actor, drugId, current.Version + 1, details, ct);
        // Another change committed between the check and this one: the state machine refused this one (version does not follow).
        var now = formulary.Drug(drugId)?.Version ?? current.Version;
        return written.Kind == OutcomeKind.Conflict && now != current.Version ? EditedVersion.Stale<StockLevel>(current.Version, now, What) : written;
    }

    private async Task<Outcome<StockLevel>> WriteDrugAsync(UserSession actor, string drugId, int version, DrugDetails details, CancellationToken ct)
    {
        var (reference, ciphertext) = RecordSealer.Seal(drugId, version, details, organisation.EncryptionKey);
        var written = await writer.SubmitAsync(actor, new DefineDrugPayload(drugId, actor.OrganisationId, version, reference), RecordWriter.Blobs(reference, ciphertext), drugId, ct);
        if (!written.IsOk) return written.As<StockLevel>();
        return formulary.Drug(drugId) is { } drug ? Outcome<StockLevel>.Ok(Level(drug)) : Outcome<StockLevel>.Failed($"Drug {drugId} was committed but this node cannot open it.");
    }

    /// <summary>Stock in: a batch of a formulary drug received from a supplier (pharmacists, admins).</summary>
    public async Task<Outcome<BatchStock>> ReceiveAsync(UserSession actor, string drugId, ReceiptInput input, CancellationToken ct)
    {
        if (!KeepsPharmacy(actor)) return access.Forbid<BatchStock>(actor, "receive stock for", actor.OrganisationId);
        if (formulary.Drug(drugId) is not { } drug || drug.OrganisationId != actor.OrganisationId) return Outcome<BatchStock>.NotFound($"Drug '{Missing.Shown(drugId)}' is not in the formulary.");
        var (details, expires, errors) = input.Validate(PharmacyDates.ToDate(Today));
        if (details is null) return Outcome<BatchStock>.Invalid(errors);
        var batchId = RecordIds.New("bt");
        var (reference, ciphertext) = RecordSealer.Seal(batchId, 1, details, organisation.EncryptionKey);
        var payload = new ReceiveStockPayload(batchId, drugId, PharmacyDates.ToDay(expires), input.Quantity!.Value, reference);
        var written = await writer.SubmitAsync(actor, payload, RecordWriter.Blobs(reference, ciphertext), batchId, ct);
        if (!written.IsOk) return written.As<BatchStock>();
        return batches.Batch(batchId) is { } batch ? Outcome<BatchStock>.Ok(Stocked(batch)) : Outcome<BatchStock>.Failed($"Batch {batchId} was committed but this node cannot open it.");
    }

    /// <summary>Low-stock, near-expiry (within <paramref name="withinDays"/>) and expired-stock alerts (pharmacists, admins).</summary>
    public Outcome<IReadOnlyList<StockAlert>> Alerts(UserSession actor, int withinDays = NearExpiryDays)
    {
        if (!KeepsPharmacy(actor)) return access.Forbid<IReadOnlyList<StockAlert>>(actor, "read the pharmacy alerts of", actor.OrganisationId);
        return Outcome<IReadOnlyList<StockAlert>>.Ok(AlertsOf(actor.OrganisationId, withinDays));
    }

    /// <summary>The alerts of an organisation's stock now.</summary>
    public IReadOnlyList<StockAlert> AlertsOf(string organisationId, int withinDays = NearExpiryDays)
    {
        var alerts = new List<StockAlert>();
        foreach (var level in formulary.Drugs(organisationId).Select(d => Level(d, withinDays)))
        {
            var label = level.Drug.Details.Label;
            if (level.LowStock)
            {
                alerts.Add(new StockAlert("low-stock", level.Drug.Id, label, "",
                    $"{label}: {level.Available} available, at or below the reorder level of {level.Drug.Details.ReorderLevel}."));
            }
            foreach (var b in level.Batches.Where(b => b.OnHand > 0 && (b.Expired || b.NearExpiry)))
            {
                alerts.Add(b.Expired
                    ? new StockAlert("expired", level.Drug.Id, label, b.Batch.Id, $"{label}: batch {b.Batch.Details.LotNumber} ({b.OnHand} units) expired on {b.Batch.ExpiresOn:yyyy-MM-dd}; it is never dispensed.")
                    : new StockAlert("near-expiry", level.Drug.Id, label, b.Batch.Id, $"{label}: batch {b.Batch.Details.LotNumber} ({b.OnHand} units) expires on {b.Batch.ExpiresOn:yyyy-MM-dd}."));
            }
        }
        return alerts;
    }

    /// <summary>Stock movements (receipts in, dispenses out) between two block times, oldest first (pharmacists, admins).</summary>
    public Outcome<IReadOnlyList<StockMovement>> Movements(UserSession actor, DateTimeOffset? from, DateTimeOffset? to)
    {
        if (!KeepsPharmacy(actor)) return access.Forbid<IReadOnlyList<StockMovement>>(actor, "read the stock movements of", actor.OrganisationId);
        var ownBatches = batches.Batches(actor.OrganisationId).ToDictionary(b => b.Id, StringComparer.Ordinal);
        string Label(string drugId) => formulary.Drug(drugId)?.Details.Label ?? drugId;
        var list = ownBatches.Values.Select(b => new StockMovement("receipt", b.Id, b.DrugId, Label(b.DrugId), b.Id, b.Received, b.ReceivedBy, b.Proof))
            .Concat(dispenses.FromBatches(ownBatches.Keys.ToHashSet(StringComparer.Ordinal)).SelectMany(d => d.Lines.Select(l =>
                new StockMovement("dispense", d.Id, ownBatches[l.BatchId].DrugId, Label(ownBatches[l.BatchId].DrugId), l.BatchId, -l.Quantity, d.PharmacistId, d.Proof))))
            .Where(m => (from is null || m.Proof.Timestamp >= (ulong)from.Value.ToUnixTimeMilliseconds()) && (to is null || m.Proof.Timestamp < (ulong)to.Value.ToUnixTimeMilliseconds()))
            .OrderBy(m => m.Proof.Height).ThenBy(m => m.Kind, StringComparer.Ordinal).ToList();
        return Outcome<IReadOnlyList<StockMovement>>.Ok(list);
    }

    // ---- prescriptions ----

    /// <summary>
    /// A doctor prescribes a formulary drug for a patient they attend (or whose medication they were granted). A drug the
    /// patient's recorded allergies warn about (<see cref="AllergyCheck"/>) needs an override reason: without one the answer is
    /// 409 with the warnings on <c>overrideReason</c>, and nothing is written.
    /// </summary>
    public async Task<Outcome<PrescriptionStatus>> PrescribeAsync(UserSession actor, string patientId, PrescriptionInput input, CancellationToken ct)
    {
        var found = patients.GetPatient(actor, patientId, ConsentCategories.Medication, "prescription form", record: false);
        if (!found.IsOk) return found.As<PrescriptionStatus>();
        if (actor.Role != Role.Doctor) return access.Forbid<PrescriptionStatus>(actor, "prescribe for", patientId);
        var patient = found.Value!;
        var (details, drugId, errors) = input.Validate();
        var drug = formulary.Drug(drugId);
        if (drugId.Length > 0 && (drug is null || drug.OrganisationId != patient.OrganisationId)) errors.Add("drugId", $"Drug '{drugId}' is not in the pharmacy's formulary.");
        if (details is null || drug is null || !errors.IsEmpty) return Outcome<PrescriptionStatus>.Invalid(errors);
        var warnings = AllergyCheck.Warnings(RecordedAllergies(patient), drug.Details);
        if (warnings.Count > 0 && details.OverrideReason.Length == 0)
        {
            var conflict = new FieldErrors();
            foreach (var w in warnings) conflict.Add("overrideReason", w);
            conflict.Add("overrideReason", "Give a reason to prescribe despite the recorded allergy.");
            return Outcome<PrescriptionStatus>.Conflict(conflict, "The patient is recorded as allergic to this drug: an override reason is required.");
        }
        details = details with { Drug = drug.Details.Label, AtcCode = drug.Details.AtcCode, AllergyWarnings = warnings, OverrideReason = warnings.Count > 0 ? details.OverrideReason : "" };
        var id = RecordIds.New("rx");
        var written = await writer.SubmitSealedAsync(actor, () =>
        {
            var (reference, ciphertext) = keyring.Seal(patientId, ConsentCategories.Medication, id, 1, details);
            return (new PrescribePayload(id, patientId, patient.OrganisationId, drug.Id, input.Quantity!.Value, input.Repeats ?? 0, reference), RecordWriter.Blobs(reference, ciphertext));
        }, id, ct);
        if (!written.IsOk) return written.As<PrescriptionStatus>();
        return prescriptions.Prescription(id) is { } rx ? Outcome<PrescriptionStatus>.Ok(Status(rx, patient.DisplayName)) : Outcome<PrescriptionStatus>.Failed($"Prescription {id} was committed but this node cannot open it.");
    }

    /// <summary>The allergy warnings for prescribing <paramref name="drugId"/> to the patient (for the form, before submitting); no disclosure beyond the form's.</summary>
    public IReadOnlyList<string> AllergyWarnings(UserSession actor, string patientId, string drugId) =>
        patients.AsSeenBy(actor, patientId) is { } patient && formulary.Drug(drugId) is { } drug
            ? AllergyCheck.Warnings(RecordedAllergies(patient), drug.Details)
            : [];

    /// <summary>
    /// The patient's recorded allergies for the check: what the prescriber sees, or, when the prescriber's grant does not
    /// cover the demographics (a doctor granted only the medication), what the custodian's read model on this node holds:
    /// the safety check never depends on what the prescriber may read (the warning names only the matching allergy).
    /// </summary>
    private string RecordedAllergies(PatientView patient) =>
        patient.DemographicsShared ? patient.Details.Allergies : directory.Patient(patient.Id)?.Details.Allergies ?? "";

    /// <summary>A patient's medication list: every prescription with what was dispensed (readers of the patient's medication).</summary>
    public Outcome<IReadOnlyList<PrescriptionStatus>> MedicationList(UserSession actor, string patientId)
    {
        var found = patients.GetPatient(actor, patientId, ConsentCategories.Medication, "medication list");
        if (!found.IsOk) return found.As<IReadOnlyList<PrescriptionStatus>>();
        return Outcome<IReadOnlyList<PrescriptionStatus>>.Ok(prescriptions.ForPatient(patientId).Select(rx => Status(rx, found.Value!.DisplayName)).ToList());
    }

    /// <summary>
    /// The pharmacist's worklist: the organisation's prescriptions with units still to dispense (with <paramref name="all"/>,
    /// every one), oldest first. Each patient shown is a recorded disclosure.
    /// </summary>
    public Outcome<IReadOnlyList<PrescriptionStatus>> Worklist(UserSession actor, bool all = false)
    {
        if (actor.Role != Role.Pharmacist) return access.Forbid<IReadOnlyList<PrescriptionStatus>>(actor, "read the pharmacy worklist of", actor.OrganisationId);
        var list = prescriptions.ForPharmacy(actor.OrganisationId)
            .Select(rx => Status(rx, patients.AsSeenBy(actor, rx.PatientId)?.DisplayName ?? rx.PatientId))
            .Where(s => all || s.Remaining > 0).ToList();
        access.RecordReads(actor, list.Select(s => (s.Prescription.PatientId, actor.OrganisationId)), "pharmacy worklist", ConsentCategories.Medication);
        return Outcome<IReadOnlyList<PrescriptionStatus>>.Ok(list);
    }

    /// <summary>One prescription of the organisation's pharmacy for the dispense page (pharmacists; a recorded disclosure).</summary>
    public Outcome<PrescriptionStatus> ForDispensing(UserSession actor, string prescriptionId) => ForDispensing(actor, prescriptionId, record: true);

    // The dispense itself reads nothing it does not write (its answer is the writer's echo), so its check records no disclosure.
    private Outcome<PrescriptionStatus> ForDispensing(UserSession actor, string prescriptionId, bool record)
    {
        if (actor.Role != Role.Pharmacist) return access.Forbid<PrescriptionStatus>(actor, "dispense", prescriptionId);
        if (prescriptions.Prescription(prescriptionId) is not { } rx || rx.PharmacyId != actor.OrganisationId) return Outcome<PrescriptionStatus>.NotFound(Missing.Message("Prescription", prescriptionId));
        var patient = patients.GetPatient(actor, rx.PatientId, ConsentCategories.Medication, $"prescription {rx.Id}", record);
        return patient.IsOk ? Outcome<PrescriptionStatus>.Ok(Status(rx, patient.Value!.DisplayName)) : patient.As<PrescriptionStatus>();
    }

    /// <summary>
    /// A pharmacist dispenses a supply: at most the quantity per supply and what remains (repeats included), from the named
    /// batch or first expiry first out, never from an expired batch, never more than is on hand. The charge (units × the
    /// drug's unit price) goes to the patient's account in the same transaction. Refusals are field errors (400: quantity,
    /// batchId; 409: more than prescribed, expired batch, not enough stock) and write nothing.
    /// </summary>
    public async Task<Outcome<DispenseView>> DispenseAsync(UserSession actor, string prescriptionId, DispenseInput input, CancellationToken ct)
    {
        var found = ForDispensing(actor, prescriptionId, record: false);
        if (!found.IsOk) return found.As<DispenseView>();
        var status = found.Value!;
        var rx = status.Prescription;
        var (quantity, batchId, notes, errors) = input.Validate();
        if (!errors.IsEmpty) return Outcome<DispenseView>.Invalid(errors);
        if (formulary.Drug(rx.DrugId) is not { } drug) return Outcome<DispenseView>.Failed($"Drug {rx.DrugId} of the prescription cannot be opened on this node.");
        if (quantity > rx.Quantity) return Outcome<DispenseView>.Invalid(FieldErrors.One("quantity", $"One supply of this prescription is at most {rx.Quantity} units."));
        if (quantity > status.Remaining)
        {
            return Outcome<DispenseView>.Conflict(FieldErrors.One("quantity", $"Only {status.Remaining} of {rx.Authorised} prescribed units (repeats included) remain to dispense."),
                "That is more than was prescribed.");
        }
        var state = State;
        if (batchId.Length > 0)
        {
            if (batches.Batch(batchId) is not { } batch || batch.DrugId != rx.DrugId)
            {
                return Outcome<DispenseView>.Invalid(FieldErrors.One("batchId", $"Batch '{Missing.Shown(batchId)}' is not a batch of {drug.Details.Label}."));
            }
            if (Core.Records.Pharmacy.IsExpired(PharmacyDates.ToDay(batch.ExpiresOn), Today))
            {
                return Outcome<DispenseView>.Conflict(FieldErrors.One("batchId", $"Batch {batch.Details.LotNumber} expired on {batch.ExpiresOn:yyyy-MM-dd}; expired stock is never dispensed."), "The batch has expired.");
            }
            var onHand = Core.Records.Pharmacy.OnHand(state, batchId);
            if (onHand < quantity)
            {
                return Outcome<DispenseView>.Conflict(FieldErrors.One("quantity", $"Batch {batch.Details.LotNumber} has {onHand} units on hand."), "Not enough stock.");
            }
        }
        else if (Core.Records.Pharmacy.Available(state, rx.DrugId, Today) is var available && available < quantity)
        {
            return Outcome<DispenseView>.Conflict(FieldErrors.One("quantity", $"{available} units of {drug.Details.Label} are in stock and not expired."), "Not enough stock.");
        }
        var id = RecordIds.New("dp");
        var chargeId = RecordIds.New("en");
        var dispensed = new DispenseDetails { Drug = drug.Details.Label, Quantity = quantity, UnitPrice = drug.Details.UnitPrice, Notes = notes };
        var charge = new EntryDetails { OccurredAt = clock.GetUtcNow(), Service = $"Pharmacy: {drug.Details.Label}", Quantity = quantity, UnitPrice = drug.Details.UnitPrice };
        var written = await writer.SubmitSealedAsync(actor, () =>
        {
            var (reference, ciphertext) = keyring.Seal(rx.PatientId, ConsentCategories.Medication, id, 1, dispensed);
            var (chargeRef, chargeCiphertext) = keyring.Seal(rx.PatientId, ConsentCategories.Account, chargeId, 1, charge);
            var blobs = RecordWriter.Blobs(reference, ciphertext);
            blobs[chargeRef.CiphertextHash] = chargeCiphertext;
            return (new DispensePayload(id, rx.Id, quantity, batchId, reference, chargeId, chargeRef), blobs);
        }, id, ct);
        if (!written.IsOk) return written.As<DispenseView>();
        return dispenses.Dispense(id) is { } view ? Outcome<DispenseView>.Ok(view) : Outcome<DispenseView>.Failed($"Dispense {id} was committed but this node cannot open it.");
    }

    // ---- helpers ----

    private PrescriptionStatus Status(PrescriptionView rx, string patientName)
    {
        var (units, supplies) = Core.Records.Pharmacy.Filled(State, rx.Id);
        return new PrescriptionStatus(rx, patientName, units, supplies, dispenses.ForPrescription(rx.Id));
    }

    private StockLevel Level(DrugView drug) => Level(drug, NearExpiryDays);

    private StockLevel Level(DrugView drug, int withinDays)
    {
        var state = State;
        var today = Today;
        var list = batches.Batches(drug.OrganisationId).Where(b => b.DrugId == drug.Id).Select(b => Stocked(b, state, today, withinDays)).ToList();
        var available = list.Where(b => !b.Expired).Sum(b => b.OnHand);
        return new StockLevel(drug, list.Sum(b => b.OnHand), available, available <= drug.Details.ReorderLevel, list);
    }

    private BatchStock Stocked(BatchView batch) => Stocked(batch, State, Today, NearExpiryDays);

    private static BatchStock Stocked(BatchView batch, IStateReader state, int today, int withinDays)
    {
        var expiry = PharmacyDates.ToDay(batch.ExpiresOn);
        var expired = Core.Records.Pharmacy.IsExpired(expiry, today);
        return new BatchStock(batch, Core.Records.Pharmacy.OnHand(state, batch.Id), expired, !expired && expiry - today <= withinDays);
    }

    private static bool Same(DrugDetails a, DrugDetails b) =>
        a.Name.Equals(b.Name, StringComparison.OrdinalIgnoreCase) && a.Strength.Equals(b.Strength, StringComparison.OrdinalIgnoreCase) && a.Form == b.Form;

    private static bool IsStaff(UserSession actor) => actor.Role is Role.Admin or Role.Doctor or Role.Pharmacist;

    private static bool KeepsPharmacy(UserSession actor) => actor.Role is Role.Admin or Role.Pharmacist;

    private sealed class NodeState(LedgerNode node) : IStateReader
    {
        public bool TryGet(string key, [NotNullWhen(true)] out byte[]? value) => (value = node.GetState(key)) is not null;
    }

    private const string What = "drug";
}
