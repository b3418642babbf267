using HealthLedger.Core.Execution;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Transactions;
using HealthLedger.Node.Ledger;

namespace HealthLedger.Node.Chain;

/// <summary>Read access to committed blocks and registered signers, as the ledger endpoints show them.</summary>
public sealed class LedgerBrowser(LedgerNode node)
{
    /// <summary>The chain's height.</summary>
    public ulong Height => node.Tip.Height;

    /// <summary>A committed block's header fields, hash and transactions with their outcomes; null above the tip or when it does not decode.</summary>
    public BlockResponse? Block(ulong height)
    {
        var stored = height <= node.Tip.Height ? node.Store.ReadBlock(height) : null;
        if (stored is null || !BlockHeader.TryDecode(stored.Header, out var header, out _)) return null;
        var txs = new List<BlockTransactionResponse>(stored.Transactions.Count);
        for (var i = 0; i < stored.Transactions.Count; i++)
        {
            Transaction.TryDecode(stored.Transactions[i].Body, int.MaxValue, out var tx);
            Receipt.TryDecode(stored.Receipts.ElementAtOrDefault(i) ?? [], out var receipt, out _);
            txs.Add(new BlockTransactionResponse(i, Convert.ToHexStringLower(stored.Transactions[i].Id), tx?.Kind.ToString() ?? "unknown",
                tx?.Signer.ToString() ?? "", tx?.Nonce ?? 0, receipt?.Verdict.ToString() ?? "unknown", receipt?.Reason ?? ""));
        }
        var hd = header!;
        var precommits = node.Store.ReadCertificate(height) is { } certificate && Consensus.CommitCertificate.TryDecode(certificate) is { } votes
            ? votes.Select(v => v.Sender.ToString()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList()
            : [];
        return new BlockResponse(hd.Height, hd.Hash.ToString(), hd.PreviousHash.ToString(),
            DateTimeOffset.FromUnixTimeMilliseconds((long)hd.Timestamp), hd.Timestamp, hd.TxCount, hd.TxRoot.ToString(),
            hd.StateRoot.ToString(), hd.ReceiptsRoot.ToString(), hd.Proposer.ToString(), hd.Signature.ToString(), txs, precommits);
    }

    /// <summary>
    /// Who a signing key belongs to (kind, id, organisation), its last nonce and the next one to use in nonce lane
    /// <paramref name="lane"/> (<see cref="NonceLanes"/>; lane 0 by default); null when not registered.
    /// </summary>
    public SignerResponse? Signer(SigningPublicKey key, ushort lane = 0)
    {
        var record = node.GetState(StateKeys.Signer(key)) is { } bytes ? SignerRecord.TryDecode(bytes) : null;
        if (record is null) return null;
        var (last, next) = node.Nonces(key, lane);
        var organisation = record.Kind switch
        {
            SignerKind.User => node.GetState(StateKeys.User(record.Id)) is { } u ? UserRecord.TryDecode(u)?.OrganisationId : null,
            SignerKind.Node => node.GetState(StateKeys.Node(record.Id)) is { } n ? NodeRecord.TryDecode(n)?.OrganisationId : null,
            _ => record.Id,
        };
        return new SignerResponse(key.ToString(), record.Kind.ToString(), record.Id, organisation ?? "", last, next, node.Network.NetworkId, lane);
    }
}
