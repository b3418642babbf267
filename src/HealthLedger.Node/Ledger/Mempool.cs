using HealthLedger.Core.Execution;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Node.Ledger;

/// <summary>
/// Transactions that passed the door checks and wait for a block, in arrival order. Bounded: when full,
/// submitters get <see cref="TxVerdict.Busy"/>. Tracks each signer's highest waiting nonce per nonce lane (<see cref="NonceLanes"/>) so a replay of a
/// waiting transaction is refused at the door too.
/// </summary>
public sealed class Mempool(int capacity)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<PendingTransaction> _queue = new();
    private readonly Dictionary<Hash256, LinkedListNode<PendingTransaction>> _ids = [];
    private readonly Dictionary<(SigningPublicKey Signer, ushort Lane), (ulong MaxNonce, int Count)> _signers = [];

    /// <summary>Transactions waiting.</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _queue.Count;
        }
    }

    /// <summary>
    /// Adds a transaction (with its record ciphertexts) when <paramref name="check"/> (given the signer's highest waiting nonce in the transaction's lane, or 0) accepts it.
    /// The check runs under the mempool lock so two submissions of one nonce cannot both pass. <paramref name="admitted"/>
    /// (when given) runs under the same lock once the transaction is in, so whatever it does (forwarding to peers) happens in
    /// admission order: a signer's later nonce of a lane is never handed on before an earlier one. It must be quick and must
    /// not call back into this mempool.
    /// </summary>
    public TxResult TryAdd(PendingTransaction pending, Func<ulong, TxResult> check, Action<PendingTransaction>? admitted = null)
    {
        var tx = pending.Transaction;
        lock (_lock)
        {
            if (_ids.ContainsKey(tx.Id)) return TxResult.Reject(TxVerdict.Duplicate, "this transaction is already waiting to be committed");
            if (_queue.Count >= capacity) return TxResult.Reject(TxVerdict.Busy, $"the mempool is full ({capacity} transactions); retry shortly");
            var lane = (tx.Signer, NonceLanes.Lane(tx.Nonce));
            var pendingNonce = _signers.TryGetValue(lane, out var s) ? s.MaxNonce : 0;
            var result = check(pendingNonce);
            if (!result.IsOk) return result;
            _ids[tx.Id] = _queue.AddLast(pending);
            _signers[lane] = (Math.Max(pendingNonce, tx.Nonce), s.Count + 1);
            admitted?.Invoke(pending);
        }
        Changed?.Invoke();
        return TxResult.Ok;
    }

    /// <summary>Raised (on the submitter's thread) after a transaction is added.</summary>
    public event Action? Changed;

    /// <summary>
    /// The next nonce for a signer in a nonce lane: one above both its highest waiting nonce here and
    /// <paramref name="lastCommitted"/> (the state's, read under this mempool's lock). A block's commit applies its state
    /// before it removes its transactions from here (<see cref="Remove"/> takes this lock), so a commit landing while the
    /// nonce is worked out cannot hide a used nonce: either the transaction still waits here or the state already counts it.
    /// Reading the two apart (the state, then the mempool) let a commit slip in between and hand out a nonce just used — a
    /// door refusal (<see cref="TxVerdict.BadNonce"/>) of a user's write under load.
    /// </summary>
    public ulong NextNonce(SigningPublicKey signer, ushort lane, Func<ulong> lastCommitted)
    {
        lock (_lock)
        {
            var pending = _signers.TryGetValue((signer, lane), out var s) ? s.MaxNonce : 0;
            return Math.Max(pending, lastCommitted()) + 1;
        }
    }

    /// <summary>True when a transaction with this id is waiting.</summary>
    public bool Contains(Hash256 id)
    {
        lock (_lock) return _ids.ContainsKey(id);
    }

    /// <summary>The oldest <paramref name="max"/> transactions, without removing them.</summary>
    public IReadOnlyList<PendingTransaction> Peek(int max)
    {
        lock (_lock) return _queue.Take(max).ToList();
    }

    /// <summary>Removes the transactions of a committed block (those waiting here; others are ignored).</summary>
    public void Remove(IEnumerable<Hash256> ids)
    {
        lock (_lock)
        {
            foreach (var id in ids)
            {
                if (!_ids.Remove(id, out var node)) continue;
                _queue.Remove(node);
                var tx = node.Value.Transaction;
                var lane = (tx.Signer, NonceLanes.Lane(tx.Nonce));
                var s = _signers[lane];
                if (s.Count == 1) _signers.Remove(lane);
                else _signers[lane] = (s.MaxNonce, s.Count - 1);
            }
        }
    }
}
