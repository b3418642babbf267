using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// Adds a drug to an organisation's formulary (version 1) or changes it (the current version + 1): name, strength, form,
/// ATC code, unit price and reorder level, sealed for the organisation (organisation data; the chain sees an opaque id).
/// Signed by a pharmacist or an admin of the organisation.
/// </summary>
/// <param name="DrugId">The drug's id.</param>
/// <param name="OrganisationId">The organisation whose pharmacy keeps it.</param>
/// <param name="Version">1 for a new drug, else the current version + 1.</param>
/// <param name="Record">The sealed details, with an envelope for the organisation.</param>
public sealed record DefineDrugPayload(string DrugId, string OrganisationId, int Version, SealedRecordRef Record) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.DefineDrug;

    /// <inheritdoc/>
    public override IEnumerable<SealedRecordRef> Records => [Record];

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(DrugId).Text(OrganisationId).VarUInt((ulong)Version);
        Record.Write(writer);
    }
}

/// <summary>Executes <see cref="DefineDrugPayload"/>.</summary>
public sealed class DefineDrugHandler : TxKindHandler<DefineDrugPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.DefineDrug;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out DefineDrugPayload payload)
    {
        payload = null!;
        r.Text(out var id, Identifiers.MaxLength, "drug id");
        r.Text(out var org, Identifiers.MaxLength, "organisation id");
        r.VarInt32(out var version, int.MaxValue, "version");
        if (!SealedRecordRef.TryRead(ref r, out var record)) return false;
        payload = new DefineDrugPayload(id, org, version, record);
        return true;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(DefineDrugPayload p)
    {
        if (!Identifiers.IsValid(p.DrugId)) return Invalid("drugId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.OrganisationId)) return Invalid("organisationId", Identifiers.Rule);
        if (p.Version < 1) return Invalid("version", "must be 1 or more");
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, DefineDrugPayload p)
    {
        if (PharmacyStaff.Require(context, p.OrganisationId, "keep its formulary") is { } denied) return denied;
        var org = context.GetOrganisation(p.OrganisationId);
        if (org is null) return TxResult.Reject(TxVerdict.NotFound, $"organisation '{p.OrganisationId}' does not exist");
        var current = context.State.TryGet(DrugState.Key(p.DrugId), out var bytes) ? DrugState.TryDecode(bytes) : null;
        if (current is not null && current.OrganisationId != p.OrganisationId) return TxResult.Reject(TxVerdict.AlreadyExists, $"drug id '{p.DrugId}' is taken");
        var expected = (current?.Version ?? 0) + 1;
        if (p.Version != expected)
        {
            return TxResult.Reject(TxVerdict.Conflict, $"version: drug '{p.DrugId}' is at version {expected - 1}; the change must be version {expected}");
        }
        if (TxContext.RequireEnvelopes(p.Record, ("the organisation", org.EncryptionKey)) is { } missing) return missing;
        context.State.Set(DrugState.Key(p.DrugId), new DrugState(p.DrugId, p.OrganisationId, p.Version, p.Record, new RecordProof(tx.Id, context.Height, context.Timestamp)).Encode());
        return TxResult.Ok;
    }
}
