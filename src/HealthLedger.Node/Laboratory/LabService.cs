using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Printouts;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Laboratory;

/// <summary>
/// The pathology laboratory: the catalogue (admins), doctors' orders, specimens and results (laboratory staff), validation
/// (a pathologist other than the one who entered the results; the charge is posted to the patient's account with it), the
/// worklists and the turnaround report, and the printed report of a validated order (recorded on the chain like medical
/// report printouts, <see cref="IPrintoutSubject"/>). Every rule the state machine applies is checked here first against the committed
/// state, so a refusal writes nothing; every read of an order by someone other than the patient is a disclosure.
/// </summary>
public sealed class LabService(LabOrderStore orders, LabCatalogueStore catalogues, PatientService patients, PatientDirectory directory, RecordWriter writer,
    RecordAccess access, AccessPolicy policy, HospitalTime time, CategoryKeyring keyring, OrganisationKeys organisation, LedgerNode node,
    PrintoutRecorder printouts) : IPrintoutSubject
{
    /// <summary>True for laboratory technicians and pathologists.</summary>
    public static bool IsLabStaff(Role role) => role is Role.LabTechnician or Role.Pathologist;

    /// <summary>The organisation's catalogue and its version (staff of the organisation; patients are refused).</summary>
    public Outcome<(int Version, LabCatalogue Catalogue)> Catalogue(UserSession actor) =>
        actor.Role == Role.Patient
            ? Outcome<(int, LabCatalogue)>.Forbidden("The laboratory catalogue is for the organisation's staff.")
            : Outcome<(int, LabCatalogue)>.Ok(catalogues.Get(actor.OrganisationId));

    /// <summary>
    /// The laboratories a doctor may order from for a patient, the patient's own organisation's first: that organisation's, and
    /// every other organisation whose catalogue this node reads and to which the patient's active grant covers
    /// <c>laboratory</c> (the rule <see cref="PlaceAsync"/> and the state machine apply). Each with its catalogue; a laboratory
    /// without a catalogue is left out. Empty for an unknown patient.
    /// </summary>
    public IReadOnlyList<(string LaboratoryId, LabCatalogue Catalogue)> LaboratoriesFor(string patientId)
    {
        if (directory.Patient(patientId) is not { } patient) return [];
        var now = (ulong)time.Now.ToUnixTimeMilliseconds();
        var candidates = new List<string> { patient.OrganisationId };
        foreach (var grant in policy.CurrentGrants(patientId, GranteeKind.Organisation))
        {
            if (!candidates.Contains(grant.GranteeId)) candidates.Add(grant.GranteeId);
        }
        var list = new List<(string, LabCatalogue)>();
        foreach (var lab in candidates)
        {
            if (lab != patient.OrganisationId
                && Core.Records.Consent.CurrentGrant(policy.State, patientId, GranteeKind.Organisation, lab)?.Allows(ConsentCategories.Laboratory, now) != true) continue;
            var (version, catalogue) = catalogues.Get(lab);
            if (version > 0) list.Add((lab, catalogue));
        }
        return list;
    }

    /// <summary>
    /// Replaces the organisation's catalogue (admins). The client names the version it replaces
    /// (<see cref="LabCatalogueInput.Version"/> or <paramref name="ifMatch"/>; 0 before the first catalogue,
    /// <see cref="EditedVersion"/>): none is 400 naming <c>version</c>, another than the current one 409 naming <c>version</c>
    /// and the current version; nothing is written on any refusal.
    /// </summary>
    public async Task<Outcome<(int Version, LabCatalogue Catalogue)>> SaveCatalogueAsync(UserSession actor, LabCatalogueInput input, string? ifMatch, CancellationToken ct)
    {
        if (access.RequireRole(actor, Role.Admin, "configure the laboratory catalogue", "") is { } denied) return denied.As<(int, LabCatalogue)>();
        var (catalogue, errors) = input.Validate();
        if (catalogue is null) return Outcome<(int, LabCatalogue)>.Invalid(errors);
        var (version, _) = catalogues.Get(actor.OrganisationId);
        if (EditedVersion.Check<(int, LabCatalogue)>(input.Version, ifMatch, version, "laboratory catalogue", first: 0) is { } stale) return stale;
        var recordId = LabCatalogueState.RecordId(actor.OrganisationId);
        // Sealed for every active member organisation too (like the doctor directory): their doctors order from it.
        var (reference, ciphertext) = RecordSealer.Seal(recordId, version + 1, catalogue, [organisation.EncryptionKey, .. OtherMembers()]);
        var written = await writer.SubmitAsync(actor, new ConfigureLabCataloguePayload(actor.OrganisationId, version + 1, reference), RecordWriter.Blobs(reference, ciphertext), recordId, ct);
        // Another save committed between the check and this one: the state machine refused this one (version does not follow).
        var now = catalogues.Get(actor.OrganisationId).Version;
        if (written.Kind == OutcomeKind.Conflict && now != version) return EditedVersion.Stale<(int, LabCatalogue)>(version, now, "laboratory catalogue");
        return written.IsOk ? Catalogue(actor) : written.As<(int, LabCatalogue)>();
    }

    /// <summary>
    /// A doctor who reaches the patient's laboratory data orders tests at the patient's organisation's laboratory. 400 for
    /// unknown codes, a bad priority or note; 422 for a laboratory this node cannot order from (another organisation's, or
    /// one without a catalogue).
    /// </summary>
    public async Task<Outcome<LabOrderView>> PlaceAsync(UserSession actor, LabOrderInput input, CancellationToken ct)
    {
        if (actor.Role != Role.Doctor) return Outcome<LabOrderView>.Forbidden("Only doctors order laboratory tests.");
        var patientId = (input.PatientId ?? "").Trim();
        if (patientId.Length == 0) return Outcome<LabOrderView>.Invalid(FieldErrors.One("patientId", "Choose the patient."));
        var found = patients.GetPatient(actor, patientId, ConsentCategories.Laboratory, "lab order form", record: false);
        if (!found.IsOk) return found.As<LabOrderView>();
        var patient = found.Value!;
        var lab = string.IsNullOrWhiteSpace(input.LaboratoryId) ? patient.OrganisationId : input.LaboratoryId.Trim().ToLowerInvariant();
        var (version, catalogue) = catalogues.Get(lab);
        // An organisation the network does not have is said so (it was "has no test catalogue", as for a member without one).
        if (version == 0 && node.GetState(StateKeys.Organisation(lab)) is null)
        {
            var missing = Missing.Message("Organisation", lab, "Give a laboratory of this network (GET /api/v1/consortium lists its organisations), or leave laboratoryId out for the patient's own.");
            return Outcome<LabOrderView>.Unprocessable(FieldErrors.One("laboratoryId", missing), missing);
        }
        if (version == 0) return Outcome<LabOrderView>.Unprocessable(FieldErrors.One("laboratoryId", "The laboratory has no test catalogue this node can read."), "The laboratory has no test catalogue.");
        if (lab != patient.OrganisationId
            && Core.Records.Consent.CurrentGrant(policy.State, patientId, GranteeKind.Organisation, lab)?.Allows(ConsentCategories.Laboratory, (ulong)time.Now.ToUnixTimeMilliseconds()) != true)
        {
            return Outcome<LabOrderView>.Unprocessable(FieldErrors.One("laboratoryId", "The patient has not granted this laboratory access to their laboratory data."), "The patient's consent is missing.");
        }
        var e = new FieldErrors();
        var codes = new List<string>();
        if (input.Tests is null or { Count: 0 }) e.Add("tests", "Choose at least one test.");
        else if (input.Tests.Count > 30) e.Add("tests", "At most 30 tests per order.");
        foreach (var code in input.Tests ?? [])
        {
            if (catalogue.Orderable(code ?? "") is not { } item) e.Add("tests", $"'{code}' is not in the laboratory's catalogue.");
            else if (codes.Contains(item.Code)) e.Add("tests", $"'{item.Code}' is ordered twice.");
            else codes.Add(item.Code);
        }
        var priority = string.IsNullOrWhiteSpace(input.Priority) ? "routine" : input.Priority.Trim().ToLowerInvariant();
        if (priority is not ("routine" or "urgent")) e.Add("priority", "Priority must be routine or urgent.");
        var note = FieldRules.Text(e, "clinicalNote", input.ClinicalNote, 2000, false, "Clinical note", multiline: true);
        if (!e.IsEmpty) return Outcome<LabOrderView>.Invalid(e);
        var id = RecordIds.New("lo");
        var content = new LabStepContent { At = time.Now, Tests = codes, Priority = priority, ClinicalNote = note };
        return Echo(await writer.SubmitSealedAsync(actor, () =>
        {
            var (reference, ciphertext) = keyring.Seal(patientId, ConsentCategories.Laboratory, id, 1, content);
            return (new PlaceLabOrderPayload(id, patientId, lab, reference), RecordWriter.Blobs(reference, ciphertext));
        }, id, ct), id);
    }

    /// <summary>The specimen is collected (the laboratory's staff or the ordering doctor); without an id one is made. 409 when not ordered or the id is taken.</summary>
    public async Task<Outcome<LabOrderView>> CollectAsync(UserSession actor, string orderId, LabSpecimenInput input, CancellationToken ct)
    {
        var found = Visible(actor, orderId, "lab order", record: false);
        if (!found.IsOk) return found;
        var order = found.Value!;
        if (!IsStaffOf(actor, order) && actor.UserId != order.DoctorId) return Outcome<LabOrderView>.Forbidden("Only the laboratory's staff or the ordering doctor record the specimen's collection.");
        if (RequireStatus(order, "collect its specimen", LabOrderStatus.Ordered) is { } wrong) return wrong;
        var e = new FieldErrors();
        var specimenId = string.IsNullOrWhiteSpace(input.SpecimenId) ? RecordIds.New("sp") : input.SpecimenId.Trim().ToLowerInvariant();
        if (!Identifiers.IsValid(specimenId)) e.Add("specimenId", $"A specimen id must be {Identifiers.Rule}.");
        var notes = FieldRules.Text(e, "notes", input.Notes, 1000, false, "Notes", multiline: true);
        if (!e.IsEmpty) return Outcome<LabOrderView>.Invalid(e);
        if (node.GetState(LabOrderState.SpecimenKey(specimenId)) is not null) return Outcome<LabOrderView>.Conflict(FieldErrors.One("specimenId", "This specimen id is already used."), "The specimen id is taken.");
        return await StepAsync(actor, order, new LabStepContent { At = time.Now, Notes = notes },
            r => new RecordLabSpecimenPayload(order.Id, order.Steps.Count + 1, LabOrderStatus.Collected, specimenId, r), ct);
    }

    /// <summary>The specimen is received at the laboratory (its staff); the id read from the label must be the order's (400).</summary>
    public async Task<Outcome<LabOrderView>> ReceiveAsync(UserSession actor, string orderId, LabSpecimenInput input, CancellationToken ct)
    {
        var found = Visible(actor, orderId, "lab order", record: false);
        if (!found.IsOk) return found;
        var order = found.Value!;
        if (!IsStaffOf(actor, order)) return Outcome<LabOrderView>.Forbidden("Only the laboratory's staff receive specimens.");
        if (RequireStatus(order, "receive its specimen", LabOrderStatus.Collected) is { } wrong) return wrong;
        var e = new FieldErrors();
        var specimenId = (input.SpecimenId ?? "").Trim().ToLowerInvariant();
        if (specimenId.Length == 0) e.Add("specimenId", "Scan or type the specimen id from the label.");
        else if (specimenId != order.SpecimenId) e.Add("specimenId", "This is not the specimen of this order.");
        var notes = FieldRules.Text(e, "notes", input.Notes, 1000, false, "Notes", multiline: true);
        if (!e.IsEmpty) return Outcome<LabOrderView>.Invalid(e);
        return await StepAsync(actor, order, new LabStepContent { At = time.Now, Notes = notes },
            r => new RecordLabSpecimenPayload(order.Id, order.Steps.Count + 1, LabOrderStatus.Received, specimenId, r), ct);
    }

    /// <summary>
    /// Results are entered by the laboratory's staff: every ordered test once, in the catalogue's unit, inside its possible
    /// range (400 naming <c>results[i].code</c>, <c>.unit</c> or <c>.value</c>); after sign-off an amendment with a reason.
    /// </summary>
    public async Task<Outcome<LabOrderView>> EnterResultsAsync(UserSession actor, string orderId, LabResultsInput input, CancellationToken ct)
    {
        var found = Visible(actor, orderId, "lab order", record: false);
        if (!found.IsOk) return found;
        var order = found.Value!;
        if (!IsStaffOf(actor, order)) return Outcome<LabOrderView>.Forbidden("Only the laboratory's technicians and pathologists enter results.");
        if (RequireStatus(order, "enter results", LabOrderStatus.Received, LabOrderStatus.Resulted, LabOrderStatus.Validated) is { } wrong) return wrong;
        var (_, catalogue) = catalogues.Get(order.LabOrganisationId);
        var expected = order.Order.Tests.SelectMany(catalogue.Expand).DistinctBy(t => t.Code).ToList();
        var e = new FieldErrors();
        var values = new List<LabResultValue>();
        var results = input.Results ?? [];
        if (results.Count == 0) e.Add("results", "Enter the results.");
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            var f = $"results[{i}]";
            var test = expected.FirstOrDefault(t => string.Equals(t.Code, r?.Code?.Trim(), StringComparison.OrdinalIgnoreCase));
            if (r is null || test is null) { e.Add($"{f}.code", $"'{r?.Code}' was not ordered."); continue; }
            if (values.Any(v => v.Code == test.Code)) { e.Add($"{f}.code", $"'{test.Code}' appears twice."); continue; }
            if (!string.Equals((r.Unit ?? "").Trim(), test.Unit, StringComparison.Ordinal)) e.Add($"{f}.unit", $"{test.Name} is reported in {test.Unit}.");
            if (r.Value is not { } value) e.Add($"{f}.value", "Enter the value.");
            else if (value < test.PossibleLow || value > test.PossibleHigh)
            {
                e.Add($"{f}.value", $"{value} {test.Unit} is not a possible {test.Name} ({test.PossibleLow}–{test.PossibleHigh} {test.Unit}).");
            }
            values.Add(new LabResultValue { Code = test.Code, Value = r.Value, Unit = test.Unit });
        }
        foreach (var missing in expected.Where(t => !values.Any(v => v.Code == t.Code)))
        {
            if (results.Count > 0) e.Add("results", $"No value for {missing.Code} ({missing.Name}).");
        }
        var notes = FieldRules.Text(e, "notes", input.Notes, 1000, false, "Notes", multiline: true);
        var reason = FieldRules.Text(e, "amendmentReason", input.AmendmentReason, 500, order.Status == LabOrderStatus.Validated, "The reason for the amendment", multiline: true);
        if (!e.IsEmpty) return Outcome<LabOrderView>.Invalid(e);
        var content = new LabStepContent { At = time.Now, Results = values, Notes = notes, AmendmentReason = order.Status == LabOrderStatus.Validated ? reason : "" };
        return await StepAsync(actor, order, content, r => new EnterLabResultsPayload(order.Id, order.Steps.Count + 1, r), ct);
    }

    /// <summary>
    /// A pathologist of the laboratory who did not enter the current results validates them: the report is signed with the
    /// flags (the reference range by the patient's recorded sex and age) and the priced lines (<see cref="LabChargeLine"/>).
    /// At the first validation of an order of the patient's own organisation's laboratory the charge (the ordered tests' and
    /// panels' prices) is posted to the patient's account in the same transaction; for another organisation's laboratory the
    /// patient's organisation's node posts it afterwards (<see cref="LabChargePoster"/>).
    /// </summary>
    public async Task<Outcome<LabOrderView>> ValidateAsync(UserSession actor, string orderId, LabValidationInput input, CancellationToken ct)
    {
        var found = Visible(actor, orderId, "lab order", record: false);
        if (!found.IsOk) return found;
        var order = found.Value!;
        if (actor.Role != Role.Pathologist || !IsStaffOf(actor, order)) return Outcome<LabOrderView>.Forbidden("Only the laboratory's pathologists validate results.");
        if (RequireStatus(order, "validate its results", LabOrderStatus.Resulted) is { } wrong) return wrong;
        var results = order.CurrentResults!;
        if (results.AuthorId == actor.UserId)
        {
            return Outcome<LabOrderView>.Forbidden("Results must be validated by a pathologist other than the one who entered them.");
        }
        var e = new FieldErrors();
        var notes = FieldRules.Text(e, "notes", input.Notes, 1000, false, "Notes", multiline: true);
        if (!e.IsEmpty) return Outcome<LabOrderView>.Invalid(e);
        var (_, catalogue) = catalogues.Get(order.LabOrganisationId);
        var items = order.Order.Tests.Select(c => catalogue.Orderable(c)).OfType<(string Code, string Name, decimal Price, int TurnaroundHours)>().ToList();
        // The priced lines travel sealed with the report (category laboratory), so the patient's organisation, which reads
        // it, can bill the patient when the laboratory is another organisation's (LabChargePoster).
        var content = new LabStepContent
        {
            At = time.Now,
            Report = Report(order, results.Content.Results, catalogue),
            Notes = notes,
            Charges = items.Select(i => new LabChargeLine(i.Code, i.Name, i.Price)).ToList(),
        };
        var version = order.Steps.Count + 1;
        // The charge goes to the patient's account at their own organisation. A laboratory of another organisation does not
        // hold the patient's account key: the patient's organisation's node posts that charge once this validation commits
        // (PostLabCharge, priced from the lines above), as a hospital bills for the tests it sent to a reference laboratory.
        var chargeId = order.ChargeEntryId.Length == 0 && PatientOrganisation(order.PatientId) == order.LabOrganisationId ? RecordIds.New("en") : "";
        var entry = new EntryDetails
        {
            OccurredAt = content.At,
            Service = $"Laboratory: {string.Join(", ", items.Select(i => i.Name))} (order {order.Id})",
            Quantity = 1,
            UnitPrice = items.Sum(i => i.Price),
        };
        return Echo(await writer.SubmitSealedAsync(actor, () =>
        {
            var (reference, ciphertext) = keyring.Seal(order.PatientId, ConsentCategories.Laboratory, order.Id, version, content);
            var blobs = RecordWriter.Blobs(reference, ciphertext);
            SealedRecordRef? charge = null;
            if (chargeId.Length > 0)
            {
                var (chargeRef, chargeCiphertext) = keyring.Seal(order.PatientId, ConsentCategories.Account, chargeId, 1, entry);
                charge = chargeRef;
                blobs[chargeRef.CiphertextHash] = chargeCiphertext;
            }
            return (new ValidateLabResultsPayload(order.Id, version, reference, chargeId, charge), blobs);
        }, order.Id, ct), order.Id);
    }

    /// <summary>One order, if the actor may read it (the patient, the laboratory's staff, doctors and admins who reach the patient's laboratory data); 404 otherwise.</summary>
    public Outcome<LabOrderView> Get(UserSession actor, string orderId) => Visible(actor, orderId, $"lab order {orderId}", record: true);

    /// <summary>
    /// The printable report (PDF, <see cref="LabReportPdf"/>) of the order's latest validation, for whoever may read the order
    /// (the patient, the laboratory's staff, doctors and admins who reach the patient's laboratory data; a recorded
    /// disclosure), headed by the patient's organisation and carrying a verification code and a QR code of
    /// <paramref name="verifyUrl"/>. Its SHA-256 is recorded on the chain before it is issued (<see cref="PrintoutRecorder"/>),
    /// so <c>healthledger verify-file</c> and <c>POST /api/v1/verify/file</c> recognise the download. 404 when the order is
    /// unknown or not the reader's; 409 naming <c>status</c> until it is validated, and while amended results await validation.
    /// </summary>
    public async Task<Outcome<PrintedReport>> PrintAsync(UserSession actor, string orderId, string verifyUrl, CancellationToken ct)
    {
        var found = Visible(actor, orderId, $"lab report {orderId}", record: true);
        if (!found.IsOk) return found.As<PrintedReport>();
        var order = found.Value!;
        if (order.LastValidation is not { } validation)
        {
            return Outcome<PrintedReport>.Conflict(FieldErrors.One("status", $"The order is {Name(order.Status)}; its report prints once the results are validated."), "The order is not validated yet.");
        }
        if (order.Status != LabOrderStatus.Validated)
        {
            return Outcome<PrintedReport>.Conflict(FieldErrors.One("status", "The results were amended and await validation; the report prints once they are validated."), "The amended results are not validated yet.");
        }
        var custodian = PatientOrganisation(order.PatientId) ?? order.LabOrganisationId;
        var pdf = LabReportPdf.Render(order, validation, order.PatientId, patients.AsSeenBy(actor, order.PatientId), printouts.Letterhead(custodian),
            printouts.Style(actor), OrganisationNames.Of(node, order.LabOrganisationId), verifyUrl);
        return await printouts.IssueAsync(PrintoutSubject.LabReport, order.Id, validation.Version, pdf, $"{order.Id}-v{validation.Version}.pdf", ct);
    }

    /// <inheritdoc/>
    public PrintoutSubject Subject => PrintoutSubject.LabReport;

    /// <inheritdoc/>
    public FileMatch Match(UserSession actor, string id, int version, Hash256 hash)
    {
        var state = node.GetState(LabOrderState.Key(id)) is { } bytes ? LabOrderState.TryDecode(bytes) : null;
        if (state is null || version < 1 || version > state.Steps.Count) return new FileMatch(hash.ToString(), true, null, null, null, null, null, null, false);
        var visible = access.CanSee(actor, state.PatientId, PatientOrganisation(state.PatientId) ?? state.LabOrganisationId, ConsentCategories.Laboratory, $"file check {id}") is null;
        if (!visible) return new FileMatch(hash.ToString(), true, null, null, null, null, null, null, false);
        var step = state.Steps[version - 1];
        return new FileMatch(hash.ToString(), true, id, version, step.AuthorId, step.Proof.Height, DateTimeOffset.FromUnixTimeMilliseconds((long)step.Proof.Timestamp),
            state.Steps.Count > version, true, true, "lab-report");
    }

    /// <inheritdoc/>
    public Task<ReportCheck?> CheckCodeAsync(string id, int version, string txPrefix, CancellationToken ct)
    {
        var state = node.GetState(LabOrderState.Key(id)) is { } bytes ? LabOrderState.TryDecode(bytes) : null;
        if (state is null || version < 1 || version > state.Steps.Count) return Task.FromResult<ReportCheck?>(null);
        var step = state.Steps[version - 1];
        if (step.Step != LabOrderStatus.Validated || !step.Proof.TxId.ToString().StartsWith(txPrefix, StringComparison.Ordinal)) return Task.FromResult<ReportCheck?>(null);
        return Task.FromResult<ReportCheck?>(Check(state, version));
    }

    /// <summary>
    /// Re-derives a validated report's authenticity from what is stored: the order's state entry on disk, the validation's
    /// transaction in its block (decoded, signature verified, signed by the step's author, payload naming this step and its
    /// sealed record) and the sealed report's ciphertext (its SHA-256 against the chain's). Reveals nothing about the patient.
    /// </summary>
    private ReportCheck Check(LabOrderState state, int version)
    {
        var problems = new List<string>();
        var step = state.Steps[version - 1];
        StoredRecordChecks.StateEntry(node, LabOrderState.Key(state.OrderId), state.Encode(), problems);
        if (StoredRecordChecks.SignedTransaction(node, step.Proof, step.AuthorId, problems) is { } tx
            && (tx.Payload is not ValidateLabResultsPayload p || p.OrderId != state.OrderId || p.Version != version || !p.Record.Equals(step.Record)))
        {
            problems.Add("the stored report does not match its transaction");
        }
        StoredRecordChecks.SealedContent(node, step.Record.CiphertextHash, problems);
        return new ReportCheck(state.OrderId, version, "lab report", step.AuthorId, step.Proof.Height, DateTimeOffset.FromUnixTimeMilliseconds((long)step.Proof.Timestamp),
            step.Proof.TxId.ToString(), step.Record.CiphertextHash.ToString(), problems.Count == 0, problems, state.Steps.Count > version, state.Steps.Count);
    }

    /// <summary>
    /// The worklist: the laboratory's staff and admins see their organisation's laboratory's orders, a doctor the orders they
    /// placed, a patient their own; optionally of one status. Every patient listed other than the reader is a disclosure.
    /// </summary>
    public Outcome<IReadOnlyList<LabOrderView>> Worklist(UserSession actor, LabOrderStatus? status)
    {
        Func<LabOrderView, bool> mine = actor.Role switch
        {
            Role.LabTechnician or Role.Pathologist or Role.Admin => o => o.LabOrganisationId == actor.OrganisationId,
            Role.Doctor => o => o.DoctorId == actor.UserId,
            Role.Patient => o => o.PatientId == actor.UserId,
            _ => _ => false,
        };
        if (actor.Role is not (Role.LabTechnician or Role.Pathologist or Role.Admin or Role.Doctor or Role.Patient))
        {
            return Outcome<IReadOnlyList<LabOrderView>>.Forbidden("Lab orders are for laboratory staff, doctors, admins and patients.");
        }
        var list = orders.Where(o => mine(o) && (status is null || o.Status == status));
        access.RecordReads(actor, list.Select(o => (o.PatientId, PatientOrganisation(o.PatientId) ?? o.LabOrganisationId)), "lab worklist", ConsentCategories.Laboratory);
        return Outcome<IReadOnlyList<LabOrderView>>.Ok(list);
    }

    /// <summary>A patient's lab orders (whoever reaches the patient's laboratory data).</summary>
    public Outcome<IReadOnlyList<LabOrderView>> ForPatient(UserSession actor, string patientId)
    {
        var patient = patients.GetPatient(actor, patientId, ConsentCategories.Laboratory, "lab orders");
        return patient.IsOk ? Outcome<IReadOnlyList<LabOrderView>>.Ok(orders.ForPatient(patientId)) : patient.As<IReadOnlyList<LabOrderView>>();
    }

    /// <summary>
    /// The turnaround report of the organisation's laboratory (its staff and admins): per ordered code and priority, the
    /// validated orders whose first validation was committed in [<paramref name="from"/>, <paramref name="to"/>), the median
    /// and longest hours from the order's block to the first validation's block, and how many met the target. No PHI.
    /// </summary>
    public Outcome<IReadOnlyList<TurnaroundRow>> Turnaround(UserSession actor, DateTimeOffset? from, DateTimeOffset? to)
    {
        if (!IsLabStaff(actor.Role) && actor.Role != Role.Admin) return Outcome<IReadOnlyList<TurnaroundRow>>.Forbidden("The turnaround report is for the laboratory's staff and admins.");
        var (_, catalogue) = catalogues.Get(actor.OrganisationId);
        var rows = new List<TurnaroundRow>();
        var done = orders.Where(o => o.LabOrganisationId == actor.OrganisationId)
            .Select(o => (Order: o, Validated: o.Steps.FirstOrDefault(s => s.Step == LabOrderStatus.Validated)))
            .Where(x => x.Validated is not null)
            .Select(x => (x.Order, Hours: (x.Validated!.Proof.Timestamp - x.Order.Steps[0].Proof.Timestamp) / 3_600_000d, At: DateTimeOffset.FromUnixTimeMilliseconds((long)x.Validated.Proof.Timestamp)))
            .Where(x => (from is null || x.At >= from) && (to is null || x.At < to)).ToList();
        foreach (var group in done.SelectMany(x => x.Order.Order.Tests.Select(code => (Code: code, x.Order.Order.Priority, x.Hours))).GroupBy(x => (x.Code, x.Priority)).OrderBy(g => g.Key.Code).ThenBy(g => g.Key.Priority))
        {
            var hours = group.Select(x => x.Hours).Order().ToList();
            var item = catalogue.Orderable(group.Key.Code);
            var target = item?.TurnaroundHours ?? 0;
            var median = hours.Count % 2 == 1 ? hours[hours.Count / 2] : (hours[hours.Count / 2 - 1] + hours[hours.Count / 2]) / 2;
            rows.Add(new TurnaroundRow(group.Key.Code, item?.Name ?? group.Key.Code, group.Key.Priority, hours.Count, Math.Round(median, 2), Math.Round(hours[^1], 2), target,
                target == 0 ? hours.Count : hours.Count(h => h <= target)));
        }
        return Outcome<IReadOnlyList<TurnaroundRow>>.Ok(rows);
    }

    /// <summary>The report lines of <paramref name="values"/>: the catalogue's names and the range for the patient's recorded sex and age, with flags.</summary>
    public IReadOnlyList<LabReportLine> Report(LabOrderView order, IReadOnlyList<LabResultValue> values, LabCatalogue catalogue)
    {
        // The node reads the patient's recorded sex and age itself (the custodian's read model) to choose the range; the
        // laboratory staff see only the range and the flag.
        var patient = directory.Patient(order.PatientId);
        var sex = patient?.Details.Gender ?? "";
        int? age = patient is null ? null : patient.Details.AgeOn(time.Today);
        return values.Select(v =>
        {
            var test = catalogue.Test(v.Code);
            var range = test?.RangeFor(sex, age);
            var value = v.Value ?? 0m;
            return new LabReportLine(v.Code, test?.Loinc ?? "", test?.Name ?? v.Code, value, v.Unit, range?.Describe(v.Unit) ?? "", range?.Flag(value) ?? "");
        }).ToList();
    }

    /// <summary>The patient's organisation as the chain holds it (no PHI), or null.</summary>
    private string? PatientOrganisation(string patientId) =>
        node.GetState(StateKeys.Patient(patientId)) is { } bytes ? PatientState.TryDecode(bytes)?.OrganisationId : null;

    /// <summary>The other active member organisations' encryption keys (the catalogue is consortium directory data).</summary>
    private IEnumerable<EncryptionPublicKey> OtherMembers() =>
        node.ScanState("org/").Select(o => OrganisationRecord.TryDecode(o.Value)).OfType<OrganisationRecord>()
            .Where(o => o.Status == OrganisationStatus.Active && o.Id != organisation.Id).Select(o => o.EncryptionKey)
            .Take(SealedRecordRef.MaxEnvelopes - 1);

    private bool IsStaffOf(UserSession actor, LabOrderView order) => IsLabStaff(actor.Role) && actor.OrganisationId == order.LabOrganisationId;

    private Outcome<LabOrderView> Visible(UserSession actor, string orderId, string resource, bool record)
    {
        if (orders.Find(orderId) is not { } order) return Outcome<LabOrderView>.NotFound(Missing.Message("Lab order", orderId));
        // The patient may be of another organisation (a laboratory working under the patient's grant): the rule needs only
        // the patient's organisation from the chain, not their demographics. Not reaching the order is answered like a
        // missing one (no hint that it exists); the refusal is logged and recorded.
        var patientOrganisation = PatientOrganisation(order.PatientId) ?? order.LabOrganisationId;
        return access.CanSee(actor, order.PatientId, patientOrganisation, ConsentCategories.Laboratory, resource, record) is null
            ? Outcome<LabOrderView>.Ok(order)
            : Outcome<LabOrderView>.NotFound(Missing.Message("Lab order", orderId));
    }

    private static Outcome<LabOrderView>? RequireStatus(LabOrderView order, string action, params LabOrderStatus[] allowed) =>
        allowed.Contains(order.Status)
            ? null
            : Outcome<LabOrderView>.Conflict(FieldErrors.One("status", $"The order is {Name(order.Status)}; to {action} it must be {string.Join(" or ", allowed.Select(Name))}."),
                $"The order is {Name(order.Status)}.");

    /// <summary>The API's name of a status.</summary>
    public static string Name(LabOrderStatus status) => status.ToString().ToLowerInvariant();

    private async Task<Outcome<LabOrderView>> StepAsync(UserSession actor, LabOrderView order, LabStepContent content, Func<SealedRecordRef, Core.Transactions.TxPayload> payload, CancellationToken ct)
    {
        return Echo(await writer.SubmitSealedAsync(actor, () =>
        {
            var (reference, ciphertext) = keyring.Seal(order.PatientId, ConsentCategories.Laboratory, order.Id, order.Steps.Count + 1, content);
            return (payload(reference), RecordWriter.Blobs(reference, ciphertext));
        }, order.Id, ct), order.Id);
    }

    private Outcome<LabOrderView> Echo(Outcome<WriteResult> written, string orderId)
    {
        if (!written.IsOk) return written.As<LabOrderView>();
        return orders.Find(orderId) is { } view && view.Steps[^1].Proof.Height == written.Value!.Height
            ? Outcome<LabOrderView>.Ok(view)
            : Outcome<LabOrderView>.Failed($"Lab order {orderId} was committed in block {written.Value!.Height} but this node cannot open it.");
    }
}
