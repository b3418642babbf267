using HealthLedger.Core.Ledger;

namespace HealthLedger.Core.Consensus;

/// <summary>
/// Block ordering for a network of one voting node (n = 1, f = 0): the node is its own quorum. A block is cut
/// when a full batch is waiting, or <see cref="BatchDelayMs"/> after the first waiting transaction, whichever comes first.
/// One block is in flight at a time.
/// </summary>
/// <param name="tip">The last committed header.</param>
/// <param name="maxBlockTransactions">Batch size that cuts a block at once.</param>
/// <param name="batchDelayMs">Longest wait for a batch to fill.</param>
public sealed class SoloEngine(BlockHeader tip, int maxBlockTransactions, ulong batchDelayMs) : IConsensusEngine
{
    private BlockHeader _tip = tip;
    private int _pending;
    private bool _building;
    private ulong? _tickAt;

    /// <summary>The batch delay.</summary>
    public ulong BatchDelayMs => batchDelayMs;

    /// <inheritdoc/>
    public IReadOnlyList<ConsensusAction> Handle(ConsensusInput input)
    {
        switch (input)
        {
            case ConsensusInput.TransactionsPending p:
                _pending = p.Count;
                return Next(p.Now);
            case ConsensusInput.Tick t:
                if (_tickAt is { } at && t.Now >= at) _tickAt = null;
                return _building || _pending == 0 || _tickAt is not null ? [] : [Propose(t.Now)];
            case ConsensusInput.BlockBuilt b when _building && b.Header.Height == _tip.Height + 1:
                return [new ConsensusAction.CommitBlock(b.Header.Height, b.Header.Hash)];
            case ConsensusInput.BlockCommitted c when c.Header.Height == _tip.Height + 1:
                _tip = c.Header;
                _building = false;
                _pending = c.Pending;
                return Next(c.Now);
            default:
                return [];
        }
    }

    private IReadOnlyList<ConsensusAction> Next(ulong now)
    {
        if (_building || _pending == 0) return [];
        if (_pending >= maxBlockTransactions) return [Propose(now)];
        if (_tickAt is not null) return [];
        _tickAt = now + batchDelayMs;
        return [new ConsensusAction.ScheduleTick(_tickAt.Value)];
    }

    private ConsensusAction Propose(ulong now)
    {
        _building = true;
        _tickAt = null;
        return new ConsensusAction.ProposeBlock(_tip.Height + 1, Math.Max(now, _tip.Timestamp), maxBlockTransactions);
    }
}
