using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;
using HealthLedger.Core.State;

namespace HealthLedger.Core.Records;

/// <summary>
/// The pharmacy's stock rules, shared by the state machine (at the block's time) and the node's door (at the host's time):
/// the quantity on hand per batch, what a prescription has had dispensed, when a batch has expired and first-expiry-first-out
/// allocation. Pure: the day comes from the caller.
/// </summary>
public static class Pharmacy
{
    /// <summary>Largest quantity in one receipt, prescription or dispense.</summary>
    public const int MaxQuantity = 1_000_000;

    /// <summary>Most repeats of one prescription.</summary>
    public const int MaxRepeats = 12;

    /// <summary>Most batches one dispense takes from.</summary>
    public const int MaxLines = 64;

    /// <summary>Most batches one drug keeps in its list.</summary>
    public const int MaxBatches = 10_000;

    /// <summary>Largest expiry day (9999-12-31).</summary>
    public const int MaxDay = 2_932_896;

    private const ulong MillisecondsPerDay = 86_400_000;

    /// <summary>The state key of a batch's quantity on hand (a var-uint).</summary>
    public static string OnHandKey(string batchId) => "onhand/" + batchId;

    /// <summary>The state key of what a prescription has had dispensed (units, supplies).</summary>
    public static string FilledKey(string prescriptionId) => "rxfilled/" + prescriptionId;

    /// <summary>The UTC day (days since 1970-01-01) of a block or host time in Unix milliseconds.</summary>
    public static int Day(ulong unixMilliseconds) => (int)(unixMilliseconds / MillisecondsPerDay);

    /// <summary>True when a batch expiring on <paramref name="expiryDay"/> may no longer be dispensed on <paramref name="today"/> (usable through its expiry day).</summary>
    public static bool IsExpired(int expiryDay, int today) => today > expiryDay;

    /// <summary>Units on hand in a batch (0 when unknown).</summary>
    public static int OnHand(IStateReader state, string batchId)
    {
        if (!state.TryGet(OnHandKey(batchId), out var bytes)) return 0;
        var r = new CanonicalReader(bytes);
        r.VarInt32(out var units, MaxQuantity * 100, "on hand");
        return r.End() ? units : 0;
    }

    /// <summary>The encoding of a quantity on hand.</summary>
    public static byte[] EncodeOnHand(int units) => new CanonicalWriter(8).VarUInt((ulong)units).ToArray();

    /// <summary>Units dispensed so far against a prescription and the number of supplies.</summary>
    public static (int Units, int Supplies) Filled(IStateReader state, string prescriptionId)
    {
        if (!state.TryGet(FilledKey(prescriptionId), out var bytes)) return (0, 0);
        var r = new CanonicalReader(bytes);
        r.VarInt32(out var units, int.MaxValue, "units");
        r.VarInt32(out var supplies, int.MaxValue, "supplies");
        return r.End() ? (units, supplies) : (0, 0);
    }

    /// <summary>The encoding of what a prescription has had dispensed.</summary>
    public static byte[] EncodeFilled(int units, int supplies) => new CanonicalWriter(12).VarUInt((ulong)units).VarUInt((ulong)supplies).ToArray();

    /// <summary>The drug's batches (any expiry, any stock), in first-expiry-first-out order (expiry, then batch id).</summary>
    public static IReadOnlyList<StockBatchState> Batches(IStateReader state, string drugId) =>
        IdList.Read(state, DrugState.BatchesKey(drugId), MaxBatches)
            .Select(id => state.TryGet(StockBatchState.Key(id), out var b) ? StockBatchState.TryDecode(b) : null)
            .OfType<StockBatchState>()
            .OrderBy(b => b.ExpiryDay).ThenBy(b => b.Id, StringComparer.Ordinal)
            .ToList();

    /// <summary>Units of a drug that may be dispensed on <paramref name="today"/>: on hand in batches not expired.</summary>
    public static int Available(IStateReader state, string drugId, int today) =>
        Batches(state, drugId).Where(b => !IsExpired(b.ExpiryDay, today)).Sum(b => OnHand(state, b.Id));

    /// <summary>
    /// First expiry first out: takes <paramref name="quantity"/> units from the drug's batches that have not expired on
    /// <paramref name="today"/>, earliest expiry first (ties by batch id), spilling into the next batch when one runs out.
    /// Null when fewer units are available.
    /// </summary>
    public static IReadOnlyList<DispenseLine>? Allocate(IStateReader state, string drugId, int quantity, int today)
    {
        var lines = new List<DispenseLine>();
        var left = quantity;
        foreach (var batch in Batches(state, drugId))
        {
            if (left == 0) break;
            if (IsExpired(batch.ExpiryDay, today)) continue;
            var take = Math.Min(left, OnHand(state, batch.Id));
            if (take <= 0) continue;
            lines.Add(new DispenseLine(batch.Id, take));
            left -= take;
        }
        return left == 0 && lines.Count <= MaxLines ? lines : null;
    }
}
