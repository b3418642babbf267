using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Core.Verification;

namespace HealthLedger.Storage;

/// <summary>
/// Verifies the transaction signatures of stored blocks ahead of their re-execution, on every core, for
/// <see cref="StoreVerifier"/>'s full check (<c>healthledger verify</c>). <see cref="Read"/> reads and decodes the blocks on a
/// background thread, verifies their signatures in parallel (<see cref="ParallelSignatures"/>) and hands each block on, in height
/// order, with the ids of its transactions that verified; <see cref="FirstBad"/>, given to <see cref="ChainVerifier"/>, then skips
/// those and verifies any other inline. A transaction id is SHA-256 of the whole stored encoding, so an id vouches for exactly
/// the bytes verified, and the answer is the one verifying inline gives. Use one instance for one pass.
/// </summary>
public sealed class SignatureLookahead : IDisposable
{
    /// <summary>Blocks read and verified ahead of the one being re-executed.</summary>
    public const int Depth = 8;

    private readonly CancellationTokenSource _stop = new();
    private HashSet<Hash256> _verified = [];
    private string? _networkId;
    private Task? _producer;
    private BlockingCollection<(StoredBlock Block, HashSet<Hash256> Verified)>? _queue;

    /// <summary>
    /// The blocks of <paramref name="blocks"/> in their order, each handed on once its signatures were verified (ahead of the
    /// caller). The signatures of the block last handed on are what <see cref="FirstBad"/> vouches for. An exception of the
    /// underlying read is thrown here. Call once.
    /// </summary>
    public IEnumerable<StoredBlock> Read(IEnumerable<StoredBlock> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (_producer is not null) throw new InvalidOperationException("A lookahead reads one sequence of blocks.");
        var queue = _queue = new BlockingCollection<(StoredBlock, HashSet<Hash256>)>(Depth);
        ExceptionDispatchInfo? failure = null;
        _producer = Task.Factory.StartNew(() =>
        {
            try
            {
                foreach (var block in blocks)
                {
                    queue.Add((block, Verify(block)), _stop.Token);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // The caller stopped early (a problem found): nothing more is needed.
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                queue.CompleteAdding();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        foreach (var (block, verified) in queue.GetConsumingEnumerable())
        {
            _verified = verified;
            yield return block;
        }
        _producer.Wait();
        failure?.Throw();
    }

    /// <summary>
    /// Core's <see cref="TransactionSignatureCheck"/>: the lowest index whose signature does not verify on
    /// <paramref name="networkId"/>, or −1; transactions of the current block that the lookahead verified on that network are
    /// not verified again, the others are verified here (in parallel).
    /// </summary>
    public int FirstBad(IReadOnlyList<Transaction> transactions, string networkId)
    {
        var verified = _verified;
        return ParallelSignatures.FirstBad(transactions, networkId, networkId == _networkId ? tx => verified.Contains(tx.Id) : null);
    }

    // Decodes the block's transactions (those that do not decode are left to the verifier, which reports them) and verifies
    // them in parallel; the network id comes from the genesis block, the first one.
    private HashSet<Hash256> Verify(StoredBlock block)
    {
        var transactions = new Transaction?[block.Transactions.Count];
        for (var i = 0; i < transactions.Length; i++)
        {
            if (!Transaction.TryDecode(block.Transactions[i].Body, Core.Model.ChainPolicy.MaxTxBytesCeiling, out transactions[i]).IsOk) transactions[i] = null;
        }
        if (block.Height == 0)
        {
            if (transactions is [{ Payload: GenesisPayload genesis }]) Volatile.Write(ref _networkId, genesis.NetworkId);
            return [];
        }
        var networkId = Volatile.Read(ref _networkId);
        if (networkId is null) return [];
        var ok = ParallelSignatures.Verify(transactions, networkId);
        var verified = new HashSet<Hash256>(transactions.Length);
        for (var i = 0; i < transactions.Length; i++)
        {
            if (ok[i]) verified.Add(transactions[i]!.Id);
        }
        return verified;
    }

    /// <summary>Stops the background reader (when the caller stopped early) and waits for it.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        if (_queue is not null)
        {
            // Unblocks a reader waiting for room, then lets it finish before the store it reads is closed.
            while (_queue.TryTake(out _)) { }
        }
        try
        {
            _producer?.Wait();
        }
        catch (AggregateException)
        {
            // Its failure was thrown by Read already, or nobody read far enough to see it.
        }
        _queue?.Dispose();
        _stop.Dispose();
    }
}
