using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions;

namespace HealthLedger.Core.Execution;

/// <summary>The state-dependent checks every non-genesis transaction passes first: a known signer and a fresh nonce.</summary>
public static class SignerCheck
{
    /// <summary>The last nonce used by the transaction's signer in the transaction's nonce lane (the lane's start if none).</summary>
    public static ulong LastNonce(IStateReader state, Transaction tx) => LastNonce(state, tx.Signer, NonceLanes.Lane(tx.Nonce));

    /// <summary>
    /// The last nonce used by <paramref name="signer"/> in <paramref name="lane"/> (<see cref="NonceLanes"/>), or the lane's
    /// start (<see cref="NonceLanes.Start"/>; 0 for lane 0) if none.
    /// </summary>
    public static ulong LastNonce(IStateReader state, SigningPublicKey signer, ushort lane = 0)
    {
        if (!state.TryGet(StateKeys.Nonce(signer, lane), out var bytes)) return NonceLanes.Start(lane);
        var r = new CanonicalReader(bytes);
        return r.VarUInt(out var nonce) && r.End() ? nonce : throw new InvalidDataException($"Stored nonce of {signer} is not a valid integer.");
    }

    /// <summary>Encodes a nonce as stored in the state.</summary>
    public static byte[] EncodeNonce(ulong nonce) => new CanonicalWriter(10).VarUInt(nonce).ToArray();

    /// <summary>
    /// Checks that the signer is registered, that its organisation is an active member (not suspended or removed), and
    /// that the nonce is above both the committed one and <paramref name="pendingNonce"/> (the mempool's highest for this
    /// signer, when any) in the nonce's lane (<see cref="NonceLanes"/>): each lane of a signer is ordered on its own.
    /// </summary>
    public static TxResult Check(IStateReader state, Transaction tx, out SignerRecord? signer, ulong pendingNonce = 0)
    {
        signer = state.TryGet(StateKeys.Signer(tx.Signer), out var bytes) ? SignerRecord.TryDecode(bytes) : null;
        if (signer is null)
        {
            return TxResult.Reject(TxVerdict.UnknownSigner, $"signing key {tx.Signer} is not registered on this network");
        }
        if (Governance.Consortium.InactiveSignerProblem(state, signer) is { } inactive) return TxResult.Reject(TxVerdict.Unauthorized, inactive);
        var last = Math.Max(LastNonce(state, tx), pendingNonce);
        if (tx.Nonce <= last)
        {
            return TxResult.Reject(TxVerdict.BadNonce, NonceLanes.Lane(tx.Nonce) == 0
                ? $"nonce {tx.Nonce} is not above the signer's last nonce {last} (replayed or stale)"
                : $"nonce {tx.Nonce} (lane {NonceLanes.Lane(tx.Nonce)}, sequence {NonceLanes.Sequence(tx.Nonce)}) is not above the signer's last sequence {NonceLanes.Sequence(last)} in that lane (replayed or stale)");
        }
        return TxResult.Ok;
    }
}
