using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// Sets a laboratory's test catalogue (organisation configuration, not PHI, sealed for the organisation; see
/// <see cref="LabCatalogueState"/>). Only an admin of the organisation signs it; it must follow the current version.
/// Lab orders to an organisation need its catalogue.
/// </summary>
/// <param name="OrganisationId">The laboratory's organisation.</param>
/// <param name="Version">The new version: the current one plus one (1 for the first catalogue).</param>
/// <param name="Record">The sealed catalogue, record id <see cref="LabCatalogueState.RecordId"/>, version <paramref name="Version"/>.</param>
public sealed record ConfigureLabCataloguePayload(string OrganisationId, int Version, SealedRecordRef Record) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.ConfigureLabCatalogue;

    /// <inheritdoc/>
    public override IEnumerable<SealedRecordRef> Records => [Record];

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(OrganisationId).VarUInt((ulong)Version);
        Record.Write(writer);
    }
}

/// <summary>Executes <see cref="ConfigureLabCataloguePayload"/>.</summary>
public sealed class ConfigureLabCatalogueHandler : TxKindHandler<ConfigureLabCataloguePayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.ConfigureLabCatalogue;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out ConfigureLabCataloguePayload payload)
    {
        payload = null!;
        r.Text(out var organisation, Identifiers.MaxLength, "organisation id");
        r.VarInt32(out var version, int.MaxValue, "version");
        if (!SealedRecordRef.TryRead(ref r, out var record)) return false;
        payload = new ConfigureLabCataloguePayload(organisation, version, record);
        return true;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(ConfigureLabCataloguePayload p)
    {
        if (!Identifiers.IsValid(p.OrganisationId)) return Invalid("organisationId", Identifiers.Rule);
        if (p.Version < 1) return Invalid("version", "must be 1 or more");
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, ConfigureLabCataloguePayload p)
    {
        if (context.RequireAdminOf(p.OrganisationId, "configure its laboratory catalogue") is { } denied) return denied;
        var org = context.GetOrganisation(p.OrganisationId);
        if (org is null) return TxResult.Reject(TxVerdict.NotFound, $"organisation '{p.OrganisationId}' does not exist");
        var key = LabCatalogueState.Key(p.OrganisationId);
        var current = context.State.TryGet(key, out var bytes) ? LabCatalogueState.TryDecode(bytes) : null;
        var expected = (current?.Version ?? 0) + 1;
        if (p.Version != expected) return TxResult.Reject(TxVerdict.Conflict, $"version: the catalogue is at version {expected - 1}; the change must be version {expected}");
        if (TxContext.RequireEnvelopes(p.Record, ("the organisation", org.EncryptionKey)) is { } missing) return missing;
        context.State.Set(key, new LabCatalogueState(p.OrganisationId, p.Version, p.Record, new RecordProof(tx.Id, context.Height, context.Timestamp)).Encode());
        return TxResult.Ok;
    }
}
