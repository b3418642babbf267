using System.Collections.Concurrent;
using HealthLedger.Core.Transactions;

namespace HealthLedger.Storage;

/// <summary>
/// Ed25519 verification of many transactions at once, spread over every core: the host-side half of signature checking
/// (Core and Consensus run no threads). Ed25519 verification is the physical floor of the raw transaction path (about
/// 37 µs a signature on one core of the development machine), so the door, block validation and <c>verify</c> hand their
/// transactions here in batches. The answers are exactly those of <see cref="Transaction.VerifySignature"/>, one by one.
/// </summary>
public static class ParallelSignatures
{
    /// <summary>Below this many signatures a batch is verified on the calling thread (a parallel loop costs more than it saves).</summary>
    public const int ParallelThreshold = 8;

    /// <summary>
    /// Verifies the signature of every non-null transaction of <paramref name="transactions"/> on <paramref name="networkId"/>,
    /// in parallel over all cores.
    /// </summary>
    /// <returns>One flag per entry, by index: true when it verified; false for a bad signature and for a null entry.</returns>
    public static bool[] Verify(IReadOnlyList<Transaction?> transactions, string networkId)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        ArgumentNullException.ThrowIfNull(networkId);
        var ok = new bool[transactions.Count];
        ForEach(transactions.Count, i => ok[i] = transactions[i] is { } tx && tx.VerifySignature(networkId));
        return ok;
    }

    /// <summary>
    /// The lowest index of <paramref name="transactions"/> whose signature does not verify on <paramref name="networkId"/>, or
    /// −1 (the shape of Core's <c>TransactionSignatureCheck</c>, so every node names the same transaction). Transactions for which
    /// <paramref name="alreadyVerified"/> answers true (this host verified their exact bytes, by transaction id, on this
    /// network before) are not verified again; the others are verified in parallel.
    /// </summary>
    public static int FirstBad(IReadOnlyList<Transaction> transactions, string networkId, Func<Transaction, bool>? alreadyVerified = null)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        ArgumentNullException.ThrowIfNull(networkId);
        var bad = int.MaxValue;
        ForEach(transactions.Count, i =>
        {
            if (i > Volatile.Read(ref bad)) return; // a lower one is already bad: this one cannot be the answer
            var tx = transactions[i];
            if (alreadyVerified?.Invoke(tx) == true || tx.VerifySignature(networkId)) return;
            int seen;
            do
            {
                seen = Volatile.Read(ref bad);
            }
            while (i < seen && Interlocked.CompareExchange(ref bad, i, seen) != seen);
        });
        return bad == int.MaxValue ? -1 : bad;
    }

    /// <summary>Runs <paramref name="body"/>(0 … count−1) on the calling thread for small batches, else in ranges over all cores.</summary>
    internal static void ForEach(int count, Action<int> body)
    {
        if (count < ParallelThreshold || Environment.ProcessorCount == 1)
        {
            for (var i = 0; i < count; i++) body(i);
            return;
        }
        // Ranges of a few signatures each: few enough to keep both cores busy to the end, big enough to cost nothing to hand out.
        var range = Math.Max(4, count / (Environment.ProcessorCount * 8));
        Parallel.ForEach(Partitioner.Create(0, count, range), new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, r =>
        {
            for (var i = r.Item1; i < r.Item2; i++) body(i);
        });
    }
}
