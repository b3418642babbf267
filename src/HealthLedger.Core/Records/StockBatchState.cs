using HealthLedger.Core.Encoding;

namespace HealthLedger.Core.Records;

/// <summary>
/// A batch of a drug received into an organisation's pharmacy (state <c>stockbatch/&lt;id&gt;</c>, never changed): the
/// drug, the expiry date and the quantity received, in plaintext because the state machine enforces first-expiry-first-out,
/// "never an expired batch" and "never below zero" (organisation stock data, not PHI); the supplier, lot number and cost
/// are sealed for the organisation. The quantity on hand is <see cref="Pharmacy.OnHandKey"/>.
/// </summary>
/// <param name="Id">Batch id (one per receipt).</param>
/// <param name="OrganisationId">The organisation.</param>
/// <param name="DrugId">The drug.</param>
/// <param name="ExpiryDay">The expiry date as days since 1970-01-01 (UTC); usable through that day.</param>
/// <param name="Received">Units received.</param>
/// <param name="ReceivedBy">The user who signed the receipt.</param>
/// <param name="Record">The sealed receipt (supplier, lot number, cost).</param>
/// <param name="Proof">Where it was written.</param>
public sealed record StockBatchState(string Id, string OrganisationId, string DrugId, int ExpiryDay, int Received, string ReceivedBy, SealedRecordRef Record, RecordProof Proof)
{
    private const byte FormatVersion = 1;

    /// <summary>The state key prefix of batches.</summary>
    public const string Prefix = "stockbatch/";

    /// <summary>The state key of batch <paramref name="id"/>.</summary>
    public static string Key(string id) => Prefix + id;

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(512).U8(FormatVersion).Text(Id).Text(OrganisationId).Text(DrugId).VarUInt((ulong)ExpiryDay).VarUInt((ulong)Received).Text(ReceivedBy);
        Record.Write(w);
        Proof.Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output; null when it is not one.</summary>
    public static StockBatchState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != FormatVersion) return null;
        r.Text(out var id, 64, "id");
        r.Text(out var org, 64, "organisation");
        r.Text(out var drug, 64, "drug");
        r.VarInt32(out var expiry, Pharmacy.MaxDay, "expiry");
        r.VarInt32(out var received, Pharmacy.MaxQuantity, "received");
        r.Text(out var by, 64, "received by");
        if (!SealedRecordRef.TryRead(ref r, out var record) || !RecordProof.TryRead(ref r, out var proof)) return null;
        return r.End() ? new StockBatchState(id, org, drug, expiry, received, by, record, proof) : null;
    }
}
