using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Doctors;

/// <summary>Doctor registration (with a login and a one-time password), the doctor directory and the on-call list.</summary>
public sealed class DoctorService(LedgerNode node, DoctorDirectory directory, RecordWriter writer, RecordAccess access, AccessPolicy policy,
    OrganisationKeys organisation, CategoryKeyring keyring, RecordHistory history)
{
    /// <summary>Registers a doctor with a login and a one-time password (admins).</summary>
    public async Task<Outcome<WriteResult>> RegisterAsync(UserSession actor, DoctorInput input, CancellationToken ct)
    {
        if (access.RequireRole(actor, Role.Admin, "register a doctor", "") is { } denied) return denied.As<WriteResult>();
        var (doctorId, details, errors) = input.Validate();
        if (details is null) return Outcome<WriteResult>.Invalid(errors);
        if (DoctorInput.ReservedIds.Contains(doctorId))
        {
            return Outcome<WriteResult>.Invalid(FieldErrors.One("doctorId", $"'{doctorId}' is the name of an address of its own (/doctors/{doctorId}): choose another id."));
        }
        if (node.GetState(StateKeys.User(doctorId)) is not null) return Outcome<WriteResult>.Invalid(FieldErrors.One("doctorId", "This id is already taken."));
        return await writer.RegisterWithLoginAsync(actor, doctorId, keys =>
        {
            var (reference, ciphertext) = RecordSealer.Seal(doctorId, 1, details, [organisation.EncryptionKey, keys.Encryption.PublicKey, .. OtherMembers()]);
            return (new RegisterDoctorPayload(doctorId, actor.OrganisationId, keys.Signing.PublicKey, keys.Encryption.PublicKey, reference), reference, ciphertext);
        }, FieldErrors.One("doctorId", "This id is already taken."), ct);
    }

    /// <summary>Sets a doctor's on-call flag (an admin of their organisation, or the doctor).</summary>
    public async Task<Outcome<WriteResult>> SetOnCallAsync(UserSession actor, string doctorId, bool onCall, CancellationToken ct)
    {
        var doctor = directory.Doctor(doctorId);
        if (doctor is null || doctor.OrganisationId != actor.OrganisationId) return Outcome<WriteResult>.NotFound(writer.MissingMessage(actor, "Doctor", doctorId));
        if (actor.UserId != doctorId && access.RequireRole(actor, Role.Admin, "change the on-call status of", doctorId) is { } denied) return denied.As<WriteResult>();
        var version = doctor.Version + 1;
        var (reference, ciphertext) = RecordSealer.Seal(doctorId, version, doctor.Details with { OnCall = onCall }, [organisation.EncryptionKey, policy.EncryptionKeyOf(doctorId), .. OtherMembers()]);
        return await writer.SubmitAsync(actor, new UpdateRecordPayload(RecordSubject.Doctor, doctorId, version, reference), RecordWriter.Blobs(reference, ciphertext), doctorId, ct);
    }

    /// <summary>
    /// A new version of a doctor's directory entry (an admin of their organisation, or the doctor themself): name, specialty,
    /// department, qualification, licence number, phone, e-mail and consultation hours as at registration; the on-call flag
    /// is kept (it has its own endpoint) and the id cannot change. The client names the version it edited
    /// (<see cref="DoctorInput.Version"/> or <paramref name="ifMatch"/>, <see cref="EditedVersion"/>). 400 naming fields
    /// (also <c>version</c> when none is given), 403, 404 (unknown, or of another organisation), 409 naming <c>version</c>
    /// when the entry changed meanwhile (nothing written).
    /// </summary>
    public async Task<Outcome<WriteResult>> UpdateAsync(UserSession actor, string doctorId, DoctorInput input, string? ifMatch, CancellationToken ct)
    {
        var doctor = directory.Doctor(doctorId);
        if (doctor is null || doctor.OrganisationId != actor.OrganisationId) return Outcome<WriteResult>.NotFound(writer.MissingMessage(actor, "Doctor", doctorId));
        if (actor.UserId != doctorId && access.RequireRole(actor, Role.Admin, "change the directory entry of", doctorId) is { } denied) return denied.As<WriteResult>();
        input.DoctorId = doctorId;
        input.OnCall = doctor.Details.OnCall;
        var (_, details, errors) = input.Validate();
        if (details is null) return Outcome<WriteResult>.Invalid(errors);
        if (EditedVersion.Check(input.Version, ifMatch, doctor.Version, "doctor's directory entry") is { } stale) return stale;
        var version = doctor.Version + 1;
        var (reference, ciphertext) = RecordSealer.Seal(doctorId, version, details, [organisation.EncryptionKey, policy.EncryptionKeyOf(doctorId), .. OtherMembers()]);
        var written = await writer.SubmitAsync(actor, new UpdateRecordPayload(RecordSubject.Doctor, doctorId, version, reference), RecordWriter.Blobs(reference, ciphertext), doctorId, ct);
        // Another edit (or an on-call change) committed between the check and this one: the state machine refused it.
        return written.Kind == OutcomeKind.Conflict ? EditedVersion.Stale(version - 1, directory.Doctor(doctorId)?.Version ?? version, "doctor's directory entry") : written;
    }

    /// <summary>
    /// Every version of a doctor's directory entry (a doctor of the actor's organisation), oldest first
    /// (<see cref="RecordHistory"/>), each with its content as the actor's role may see it (without licence number, phone
    /// and e-mail for patients). 404 for an unknown doctor or one of another organisation.
    /// </summary>
    public Outcome<IReadOnlyList<OpenedVersion<DoctorDetails>>> Versions(UserSession actor, string doctorId)
    {
        var doctor = Get(actor, doctorId);
        if (!doctor.IsOk) return doctor.As<IReadOnlyList<OpenedVersion<DoctorDetails>>>();
        var opener = new RecordOpener(node, organisation, keyring, null);
        var hide = !SeesPrivateDetails(actor.Role);
        return Outcome<IReadOnlyList<OpenedVersion<DoctorDetails>>>.Ok(history.Versions(RecordSubject.Doctor, doctorId, doctor.Value!.Proof)
            .Select(v => new OpenedVersion<DoctorDetails>(v, opener.Open<DoctorDetails>(doctorId, v.Version, v.Record) is { } d
                ? hide ? d with { LicenceNumber = "", Phone = "", Email = "" } : d
                : null))
            .ToList());
    }

    /// <summary>
    /// The directory (every role), filtered by name, specialty, department and on-call flag, by name: the actor's organisation's
    /// doctors, or with <see cref="DoctorQuery.Organisation"/> <c>all</c> (or an organisation id) the consortium's — every doctor
    /// whose entry was sealed for this node's organisation too (the cross-organisation directory).
    /// </summary>
    public Page<DoctorView> List(UserSession actor, DoctorQuery query)
    {
        var scope = string.IsNullOrWhiteSpace(query.Organisation) ? actor.OrganisationId : query.Organisation.Trim().ToLowerInvariant();
        IEnumerable<DoctorView> list = scope == "all" ? directory.AllDoctors() : directory.Doctors(scope);
        // Another organisation's doctors are listed while it is an active member: a suspended or removed one's cannot be
        // granted access nor asked to care (the state machine refuses both), so they are not offered.
        var active = new Dictionary<string, bool>(StringComparer.Ordinal) { [actor.OrganisationId] = true };
        list = list.Where(d => active.TryGetValue(d.OrganisationId, out var known) ? known
            : active[d.OrganisationId] = node.GetState(StateKeys.Organisation(d.OrganisationId)) is { } org
                && OrganisationRecord.TryDecode(org) is { Status: OrganisationStatus.Active });
        if (!string.IsNullOrWhiteSpace(query.Search)) list = list.Where(d => TextFolding.Contains(d.Details.Name, query.Search.Trim()));
        if (!string.IsNullOrWhiteSpace(query.Specialty)) list = list.Where(d => d.Details.Specialty.Equals(query.Specialty.Trim(), StringComparison.OrdinalIgnoreCase));
        if (!string.IsNullOrWhiteSpace(query.Department)) list = list.Where(d => d.Details.Department.Equals(query.Department.Trim(), StringComparison.OrdinalIgnoreCase));
        if (query.OnCall is { } onCall) list = list.Where(d => d.Details.OnCall == onCall);
        // Doctors of one name by id: one order on every node and after every start, so that pages neither repeat nor skip one.
        return Paging.Of(list.OrderBy(d => d.Details.Name, StringComparer.OrdinalIgnoreCase).ThenBy(d => d.Id, StringComparer.Ordinal).ToList(), query.Page, query.PageSize);
    }

    /// <summary>True when <paramref name="organisationId"/> names an organisation on the chain (any status): the directory's organisation filter.</summary>
    public bool IsMember(string organisationId) => node.GetState(StateKeys.Organisation(organisationId)) is not null;

    /// <summary>One doctor of the actor's organisation.</summary>
    public Outcome<DoctorView> Get(UserSession actor, string doctorId) =>
        directory.Doctor(doctorId) is { } d && d.OrganisationId == actor.OrganisationId
            ? Outcome<DoctorView>.Ok(d)
            : Outcome<DoctorView>.NotFound(writer.MissingMessage(actor, "Doctor", doctorId));

    /// <summary>A doctor's name for display (any organisation's directory this node holds), or null.</summary>
    public string? NameOf(string doctorId) => directory.Doctor(doctorId)?.Details.Name;

    /// <summary>The other active member organisations' encryption keys: directory entries are consortium directory data (below the envelope limit).</summary>
    private IEnumerable<EncryptionPublicKey> OtherMembers() =>
        node.ScanState("org/").Select(o => OrganisationRecord.TryDecode(o.Value)).OfType<OrganisationRecord>()
            .Where(o => o.Status == OrganisationStatus.Active && o.Id != organisation.Id).Select(o => o.EncryptionKey)
            .Take(Core.Records.SealedRecordRef.MaxEnvelopes - 2);

    /// <summary>Doctors on call now, grouped by specialty (the emergency view).</summary>
    public IReadOnlyList<IGrouping<string, DoctorView>> OnCallBySpecialty(UserSession actor) =>
        directory.Doctors(actor.OrganisationId).Where(d => d.Details.OnCall)
            .OrderBy(d => d.Details.Name, StringComparer.OrdinalIgnoreCase).ThenBy(d => d.Id, StringComparer.Ordinal)
            .GroupBy(d => d.Details.Specialty, StringComparer.OrdinalIgnoreCase)
            .OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>
    /// The public emergency directory (no login): per active member organisation whose directory this node holds, its
    /// switchboard contact and its doctors on call now by specialty, optionally only <paramref name="specialty"/>
    /// (case-insensitive). Without a specialty every active organisation is listed (its switchboard even when nobody is on
    /// call: an empty specialty map); with one, only organisations with someone on call in it. Organisations by name.
    /// </summary>
    public IReadOnlyList<PublicOnCallOrganisation> PublicOnCall(string? specialty)
    {
        var wanted = specialty?.Trim();
        var onCall = directory.AllDoctors().Where(d => d.Details.OnCall
            && (string.IsNullOrEmpty(wanted) || d.Details.Specialty.Equals(wanted, StringComparison.OrdinalIgnoreCase))).ToList();
        return node.ScanState("org/").Select(o => OrganisationRecord.TryDecode(o.Value)).OfType<OrganisationRecord>()
            .Where(o => o.Status == OrganisationStatus.Active)
            .Select(o => (Organisation: o, Doctors: onCall.Where(d => d.OrganisationId == o.Id).ToList()))
            // Without a specialty every active organisation is listed, so its switchboard shows even with nobody on call.
            .Where(x => x.Doctors.Count > 0 || string.IsNullOrEmpty(wanted))
            .OrderBy(x => x.Organisation.Name, StringComparer.OrdinalIgnoreCase)
            .Select(x => new PublicOnCallOrganisation(x.Organisation.Id, x.Organisation.Name, x.Organisation.Type.ToString().ToLowerInvariant(), x.Organisation.Contact,
                x.Doctors.GroupBy(d => d.Details.Specialty, StringComparer.OrdinalIgnoreCase).OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
                    .ToDictionary(g => g.Key, g => (IReadOnlyList<PublicOnCallDoctor>)g.OrderBy(d => d.Details.Name, StringComparer.OrdinalIgnoreCase).ThenBy(d => d.Id, StringComparer.Ordinal)
                        .Select(d => new PublicOnCallDoctor(d.Details.Name, d.Details.Specialty, d.Details.Department)).ToList())))
            .ToList();
    }

    /// <summary>Every specialty of a doctor on call now in the public directory, alphabetically (the filter's choices).</summary>
    public IReadOnlyList<string> PublicOnCallSpecialties() =>
        directory.AllDoctors().Where(d => d.Details.OnCall).Select(d => d.Details.Specialty)
            .Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>
    /// True when <paramref name="role"/> may see a doctor's private contact (phone, e-mail) and licence number: staff
    /// (admins, doctors, auditors, rescuers), never patients.
    /// </summary>
    public static bool SeesPrivateDetails(Role role) => role != Role.Patient;
}
