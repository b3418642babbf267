using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Core.Verification;

namespace HealthLedger.Storage;

/// <summary>
/// Decodes and verifies the transactions of stored blocks ahead of their re-execution, on every core, for
/// <see cref="StoreVerifier"/>'s full check (<c>healthledger verify</c>). <see cref="Read"/> reads the blocks on a background
/// thread, decodes each block's transactions and verifies their signatures in one parallel pass (decoding hashes every
/// transaction, so it is worth spreading too) and hands each block on, in height order, with its decoded transactions (given to
/// <see cref="ChainVerifier.Add(StoredBlock, IReadOnlyList{Transaction?}?)"/>, so a transaction is decoded once) and the ids of
/// those that verified; <see cref="FirstBad"/>, given to <see cref="ChainVerifier"/>, then skips those and verifies any other inline. A transaction id is SHA-256 of the whole stored encoding, so an id vouches for exactly
/// the bytes verified, and the answer is the one verifying inline gives. Use one instance for one pass.
/// </summary>
/// <remarks>
/// The start-up quick check, which verifies no transaction signature, uses it to decode only (<c>verifySignatures: false</c>):
/// the blocks are then decoded on both cores while the caller checks them in height order.
/// </remarks>
/// <param name="verifySignatures">False: decode only; <see cref="FirstBad"/> then vouches for nothing.</param>
public sealed class SignatureLookahead(bool verifySignatures = true) : IDisposable
{
    /// <summary>Blocks read and verified ahead of the one being re-executed.</summary>
    public const int Depth = 8;

    private readonly CancellationTokenSource _stop = new();
    private HashSet<Hash256> _verified = [];
    private string? _networkId;
    private Task? _producer;
    private BlockingCollection<(StoredBlock Block, Transaction?[] Decoded, HashSet<Hash256> Verified)>? _queue;

    /// <summary>
    /// The blocks of <paramref name="blocks"/> in their order, each handed on once its transactions were decoded and their
    /// signatures verified (ahead of the caller), with the decoded transactions by index (null for one that does not decode:
    /// the verifier decodes it again and reports it). The signatures of the block last handed on are what
    /// <see cref="FirstBad"/> vouches for. An exception of the underlying read is thrown here. Call once.
    /// </summary>
    public IEnumerable<(StoredBlock Block, IReadOnlyList<Transaction?> Decoded)> Read(IEnumerable<StoredBlock> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (_producer is not null) throw new InvalidOperationException("A lookahead reads one sequence of blocks.");
        var queue = _queue = new BlockingCollection<(StoredBlock, Transaction?[], HashSet<Hash256>)>(Depth);
        ExceptionDispatchInfo? failure = null;
        _producer = Task.Factory.StartNew(() =>
        {
            try
            {
                foreach (var block in blocks)
                {
                    var (decoded, verified) = DecodeAndVerify(block);
                    queue.Add((block, decoded, verified), _stop.Token);
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
        foreach (var (block, decoded, verified) in queue.GetConsumingEnumerable())
        {
            _verified = verified;
            yield return (block, decoded);
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
    // their signatures, in one parallel pass; the network id comes from the genesis block, the first one, whose transaction
    // is decoded (for the id) but not verified here.
    private (Transaction?[] Decoded, HashSet<Hash256> Verified) DecodeAndVerify(StoredBlock block)
    {
        var count = block.Transactions.Count;
        var transactions = new Transaction?[count];
        var networkId = block.Height == 0 ? null : Volatile.Read(ref _networkId);
        var ok = new bool[count];
        ParallelSignatures.ForEach(count, i =>
        {
            if (!Transaction.TryDecode(block.Transactions[i].Body, Core.Model.ChainPolicy.MaxTxBytesCeiling, out var tx).IsOk) return;
            transactions[i] = tx;
            ok[i] = verifySignatures && networkId is not null && tx!.VerifySignature(networkId);
        });
        if (block.Height == 0 && transactions is [{ Payload: GenesisPayload genesis }]) Volatile.Write(ref _networkId, genesis.NetworkId);
        var verified = new HashSet<Hash256>(count);
        for (var i = 0; i < count; i++)
        {
            if (ok[i]) verified.Add(transactions[i]!.Id);
        }
        return (transactions, verified);
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
