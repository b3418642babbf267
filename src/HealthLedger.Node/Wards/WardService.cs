using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Wards;

/// <summary>
/// The organisation's ward and bed list: admins read and replace it (a <see cref="ConfigureWardsPayload"/> on the chain, so
/// every node refuses admissions and transfers into a bed not on it); the entry forms offer its free beds. A bed's name on
/// the chain is its blind index (<see cref="BedIndex"/>), so the chain does not say who lies where.
/// </summary>
public sealed class WardService(WardStore store, RecordWriter writer, LedgerNode node, OrganisationKeys organisation)
{
    /// <summary>The blind index of a ward and bed under the organisation's secret (ignoring case and outer spaces): the chain's name for the bed.</summary>
    public Hash256 BedIndex(string ward, string bed) => organisation.BlindIndex($"bed\u001f{ward.Trim()}\u001f{bed.Trim()}");

    /// <summary>The list (version 0 and no wards when none is configured).</summary>
    public (int Version, WardList List) Current => store.Get(organisation.Id);

    /// <summary>A patient's stay as the chain holds it (none when never admitted).</summary>
    public StayState Stay(string patientId) =>
        node.GetState(StayState.Key(patientId)) is { } bytes && StayState.TryDecode(bytes) is { } stay ? stay : new StayState(StayStatus.None, Hash256.Zero, "");

    /// <summary>True when the patient <paramref name="patientId"/> may take the bed: no other patient holds it.</summary>
    public bool IsFree(Hash256 bed, string patientId = "")
    {
        if (node.GetState(StayState.BedKey(organisation.Id, bed)) is not { } holder) return true;
        var reader = new CanonicalReader(holder);
        return reader.Text(out var holderId, Identifiers.MaxLength, "holder") && holderId == patientId;
    }

    /// <summary>Every ward with each bed and whether it is occupied (admins).</summary>
    public Outcome<WardOccupancyView> Get(UserSession actor)
    {
        if (actor.Role != Role.Admin) return Outcome<WardOccupancyView>.Forbidden("Only admins manage the ward list.");
        var (version, list) = Current;
        return Outcome<WardOccupancyView>.Ok(new WardOccupancyView(version,
            list.Wards.Select(w => new WardBeds(w.Name, w.Beds.Select(b => new BedView(b, !IsFree(BedIndex(w.Name, b)))).ToList())).ToList()));
    }

    /// <summary>The free beds per ward, for the entry forms (empty when no list is configured).</summary>
    public IReadOnlyList<Ward> FreeBeds() =>
        Current.List.Wards.Select(w => new Ward(w.Name, w.Beds.Where(b => IsFree(BedIndex(w.Name, b))).ToList())).ToList();

    /// <summary>
    /// The door's bed check: with a list, the ward and the bed must be on it. Returns the field errors, or null. The names
    /// come back as listed (so "icu" is stored as "ICU").
    /// </summary>
    public (string Ward, string Bed, FieldErrors? Errors) Check(string ward, string bed)
    {
        var list = Current.List;
        if (list.Wards.Count == 0) return (ward, bed, null);
        if (list.Find(ward) is not { } found) return (ward, bed, FieldErrors.One("ward", $"Unknown ward: choose one of {string.Join(", ", list.Wards.Select(w => w.Name))}."));
        return found.Bed(bed) is { } listed ? (found.Name, listed, null) : (ward, bed, FieldErrors.One("bed", $"Unknown bed in ward {found.Name}."));
    }

    /// <summary>
    /// Replaces the list (admins). The client names the version it replaces (<see cref="WardInput.Version"/> or
    /// <paramref name="ifMatch"/>; 0 before the first list, <see cref="EditedVersion"/>): none is 400 naming <c>version</c>,
    /// another than the current one 409 naming <c>version</c> and the current version. A bed a patient holds cannot be
    /// removed (409 naming <c>wards</c>). Nothing is written on any refusal.
    /// </summary>
    public async Task<Outcome<WardOccupancyView>> SaveAsync(UserSession actor, WardInput input, string? ifMatch, CancellationToken ct)
    {
        if (actor.Role != Role.Admin) return Outcome<WardOccupancyView>.Forbidden("Only admins manage the ward list.");
        var (list, errors) = input.Validate();
        if (list is null) return Outcome<WardOccupancyView>.Invalid(errors);
        var (version, current) = Current;
        if (EditedVersion.Check<WardOccupancyView>(input.Version, ifMatch, version, What, first: 0) is { } stale) return stale;
        var kept = list.Wards.SelectMany(w => w.Beds.Select(b => BedIndex(w.Name, b))).ToHashSet();
        var held = current.Wards.SelectMany(w => w.Beds.Select(b => (w.Name, Bed: b))).Where(x => !kept.Contains(BedIndex(x.Name, x.Bed)) && !IsFree(BedIndex(x.Name, x.Bed))).ToList();
        if (held.Count > 0)
        {
            return Outcome<WardOccupancyView>.Conflict(FieldErrors.One("wards", $"Occupied beds cannot be removed: {string.Join(", ", held.Select(x => $"{x.Name} {x.Bed}"))}."), "An occupied bed cannot be removed.");
        }
        var recordId = WardsState.Key(organisation.Id);
        var (reference, ciphertext) = RecordSealer.Seal(recordId, version + 1, list, organisation.EncryptionKey);
        var payload = new ConfigureWardsPayload(organisation.Id, version + 1, kept.Order().ToList(), reference);
        var written = await writer.SubmitAsync(actor, payload, RecordWriter.Blobs(reference, ciphertext), recordId, ct);
        // Another save committed between the check and this one: the state machine refused this one (version does not follow).
        if (written.Kind == OutcomeKind.Conflict && Current.Version != version) return EditedVersion.Stale<WardOccupancyView>(version, Current.Version, What);
        return written.IsOk ? Get(actor) : written.As<WardOccupancyView>();
    }

    private const string What = "ward list";
}

/// <summary>The ward list with occupancy.</summary>
/// <param name="Version">The list's version on the chain (0: none configured).</param>
/// <param name="Wards">The wards.</param>
public sealed record WardOccupancyView(int Version, IReadOnlyList<WardBeds> Wards);

/// <summary>A ward's beds.</summary>
/// <param name="Name">Ward name.</param>
/// <param name="Beds">Its beds.</param>
public sealed record WardBeds(string Name, IReadOnlyList<BedView> Beds);

/// <summary>A bed.</summary>
/// <param name="Name">Bed name.</param>
/// <param name="Occupied">True while a patient holds it.</param>
public sealed record BedView(string Name, bool Occupied);
