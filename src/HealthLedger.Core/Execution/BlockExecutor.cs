using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions;

namespace HealthLedger.Core.Execution;

/// <summary>
/// The deterministic state machine: runs a block's transactions, in order, against a state and returns the
/// receipts and writes. Signatures are checked before (they need no state). A rejected transaction is
/// recorded with its reason and changes nothing but its signer's nonce, once it passed the signer check (a known, active
/// signer and a nonce above the last): that nonce is used up, as Ethereum's failed transactions use theirs, so the same
/// bytes are refused as stale (<see cref="TxVerdict.BadNonce"/>) if they come again.
/// </summary>
public static class BlockExecutor
{
    /// <summary>Executes <paramref name="transactions"/> as block <paramref name="height"/> with time <paramref name="timestamp"/>.</summary>
    public static BlockExecution Execute(IStateReader state, ulong height, ulong timestamp, IReadOnlyList<Transaction> transactions)
    {
        var block = new StateOverlay(state);
        var receipts = new Receipt[transactions.Count];
        for (var i = 0; i < transactions.Count; i++)
        {
            var tx = transactions[i];
            receipts[i] = new Receipt(tx.Id, ExecuteOne(block, height, timestamp, i, tx) is var r && r.IsOk ? TxVerdict.Ok : r.Verdict, r.Reason);
        }
        return new BlockExecution(receipts, block.ToChangeSet());
    }

    private static TxResult ExecuteOne(StateOverlay block, ulong height, ulong timestamp, int index, Transaction tx)
    {
        SignerRecord? signer = null;
        if (tx.Kind == TxKind.Genesis)
        {
            if (height != 0 || index != 0 || block.Contains(StateKeys.Network))
            {
                return TxResult.Reject(TxVerdict.WrongPlace, "genesis is only valid as the first transaction of block 0");
            }
            if (tx.Nonce != 1) return TxResult.Reject(TxVerdict.BadNonce, "the genesis transaction's nonce must be 1");
        }
        else
        {
            if (height == 0) return TxResult.Reject(TxVerdict.WrongPlace, "block 0 holds only the genesis transaction");
            var check = SignerCheck.Check(block, tx, out signer);
            if (!check.IsOk) return check;
        }
        // From here on the transaction is its signer's, with a fresh nonce: it uses that nonce up whatever its verdict, so that
        // its bytes cannot be committed again — by anyone who saw them, or by a peer they were forwarded to — and take effect
        // later, once what refused them no longer holds (a refused admission's bed freed, say), after the signer was told
        // "refused". Only the nonce is written for a refusal; the handler's writes are dropped with its scope.
        var nonce = (Key: StateKeys.Nonce(tx.Signer, NonceLanes.Lane(tx.Nonce)), Value: SignerCheck.EncodeNonce(tx.Nonce));
        if (!TxKinds.TryGet(tx.Kind, out var handler))
        {
            if (tx.Kind != TxKind.Genesis) block.Set(nonce.Key, nonce.Value);
            return TxResult.Reject(TxVerdict.UnknownKind, $"transaction kind {(byte)tx.Kind} is not known");
        }
        // A client request carried out once on the whole network: another run of it (a retry at another node, or after a
        // restart) is refused, naming the transaction that carried it out; the same run's further transactions go on and are
        // counted. Recorded per signer, so no one else's transaction can claim a signer's request.
        (string Key, CarriedOutRequest Value)? request = null;
        if (tx.Request is { } marker && tx.Kind != TxKind.Genesis)
        {
            var key = StateKeys.Request(tx.Signer, marker.Request);
            if (block.TryGet(key, out var stored))
            {
                var done = CarriedOutRequest.TryDecode(stored) ?? throw new InvalidDataException($"Stored request {marker.Request} of {tx.Signer} is not a carried-out request.");
                if (done.Attempt != marker.Attempt)
                {
                    block.Set(nonce.Key, nonce.Value);
                    return done.RefusalOf(marker.Request);
                }
                request = (key, done with { Transactions = done.Transactions + 1 });
            }
            else
            {
                request = (key, new CarriedOutRequest(marker.Attempt, tx.Id, 1));
            }
        }
        var scope = new StateOverlay(block);
        var result = handler.Execute(new TxContext(scope, height, timestamp, signer, index) { TxId = tx.Id }, tx);
        if (!result.IsOk)
        {
            if (tx.Kind != TxKind.Genesis) block.Set(nonce.Key, nonce.Value);
            return result;
        }
        scope.Set(nonce.Key, nonce.Value);
        if (request is { } carried) scope.Set(carried.Key, carried.Value.Encode());
        scope.MergeInto(block);
        return TxResult.Ok;
    }
}
