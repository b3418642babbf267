using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// Sets an organisation's ward and bed list (organisation configuration, not PHI): the beds' blind indexes, which every node
/// checks admissions and transfers against once a list exists, and the names sealed for the organisation. Only an admin of the
/// organisation signs it; it must follow the current version; a bed a patient holds cannot be removed.
/// </summary>
/// <param name="OrganisationId">The organisation.</param>
/// <param name="Version">The new version: the current one plus one (1 for the first list).</param>
/// <param name="Beds">The beds' blind indexes, strictly ascending.</param>
/// <param name="Record">The sealed ward and bed names.</param>
public sealed record ConfigureWardsPayload(string OrganisationId, int Version, IReadOnlyList<Hash256> Beds, SealedRecordRef Record) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.ConfigureWards;

    /// <inheritdoc/>
    public override IEnumerable<SealedRecordRef> Records => [Record];

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(OrganisationId).VarUInt((ulong)Version).VarUInt((ulong)Beds.Count);
        foreach (var bed in Beds) writer.Hash(bed);
        Record.Write(writer);
    }
}

/// <summary>Executes <see cref="ConfigureWardsPayload"/>.</summary>
public sealed class ConfigureWardsHandler : TxKindHandler<ConfigureWardsPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.ConfigureWards;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out ConfigureWardsPayload payload)
    {
        payload = null!;
        r.Text(out var organisation, Identifiers.MaxLength, "organisation id");
        r.VarInt32(out var version, int.MaxValue, "version");
        if (!WardsState.ReadBeds(ref r, out var beds)) return false;
        if (!SealedRecordRef.TryRead(ref r, out var record)) return false;
        payload = new ConfigureWardsPayload(organisation, version, beds, record);
        return true;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(ConfigureWardsPayload p)
    {
        if (!Identifiers.IsValid(p.OrganisationId)) return Invalid("organisationId", Identifiers.Rule);
        if (p.Version < 1) return Invalid("version", "must be 1 or more");
        for (var i = 0; i < p.Beds.Count; i++)
        {
            if (p.Beds[i].IsZero) return Invalid("beds", "a bed index is zero");
            if (i > 0 && p.Beds[i - 1].CompareTo(p.Beds[i]) >= 0) return Invalid("beds", "bed indexes must be strictly ascending");
        }
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, ConfigureWardsPayload p)
    {
        if (context.RequireAdminOf(p.OrganisationId, "configure its wards") is { } denied) return denied;
        var org = context.GetOrganisation(p.OrganisationId);
        if (org is null) return TxResult.Reject(TxVerdict.NotFound, $"organisation '{p.OrganisationId}' does not exist");
        var key = WardsState.Key(p.OrganisationId);
        var current = context.State.TryGet(key, out var bytes) ? WardsState.TryDecode(bytes) : null;
        var expected = (current?.Version ?? 0) + 1;
        if (p.Version != expected) return TxResult.Reject(TxVerdict.Conflict, $"version: the ward list is at version {expected - 1}; the change must be version {expected}");
        if (TxContext.RequireEnvelopes(p.Record, ("the organisation", org.EncryptionKey)) is { } missing) return missing;
        var kept = p.Beds.ToHashSet();
        foreach (var removed in current?.Beds.Where(b => !kept.Contains(b)) ?? [])
        {
            if (context.State.Contains(StayState.BedKey(p.OrganisationId, removed))) return TxResult.Reject(TxVerdict.Conflict, "beds: a bed a patient holds cannot be removed");
        }
        context.State.Set(key, new WardsState(p.OrganisationId, p.Version, p.Beds, p.Record, new RecordProof(tx.Id, context.Height, context.Timestamp)).Encode());
        return TxResult.Ok;
    }

    /// <summary>True when the organisation has no ward list, or the list holds <paramref name="bed"/>.</summary>
    public static bool IsKnownBed(TxContext context, string organisationId, Hash256 bed) =>
        !context.State.TryGet(WardsState.Key(organisationId), out var bytes) || WardsState.TryDecode(bytes) is not { } wards || wards.Beds.Contains(bed);
}
