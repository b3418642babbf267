using System.Diagnostics;
using HealthLedger.Core.Consensus;
using HealthLedger.Core.Execution;
using HealthLedger.Core.Ledger;
using HealthLedger.Node.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Ledger;

/// <summary>
/// The host loop around the consensus engine: it feeds the engine time and mempool size, and carries out its
/// actions (build a block, commit a decided block, set a timer). All I/O and the clock live here, not in the engine.
/// </summary>
internal sealed class BlockProducer(LedgerNode node, NodeOptions options, TimeProvider clock, IHostApplicationLifetime lifetime, ILogger<BlockProducer> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        IConsensusEngine engine = new SoloEngine(node.Tip, node.Network.Policy.MaxBlockTxs, (ulong)options.BatchDelay.TotalMilliseconds);
        ulong? tickAt = null;
        CandidateBlock? built = null;
        var pending = new Queue<ConsensusInput>();
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = Now();
            if (tickAt is { } at && now >= at)
            {
                tickAt = null;
                pending.Enqueue(new ConsensusInput.Tick(now));
            }
            pending.Enqueue(new ConsensusInput.TransactionsPending(now, node.Mempool.Count));
            while (pending.TryDequeue(out var input))
            {
                foreach (var action in engine.Handle(input))
                {
                    switch (action)
                    {
                        case ConsensusAction.ScheduleTick t:
                            tickAt = t.At;
                            break;
                        case ConsensusAction.ProposeBlock p:
                            built = node.Build(p.Timestamp, p.MaxTransactions);
                            pending.Enqueue(new ConsensusInput.BlockBuilt(Now(), built.Built.Block.Header));
                            break;
                        case ConsensusAction.CommitBlock c when built is not null && built.Built.Block.Header.Hash == c.BlockHash:
                            if (!TryCommit(built)) return;
                            pending.Enqueue(new ConsensusInput.BlockCommitted(Now(), built.Built.Block.Header, node.Mempool.Count));
                            built = null;
                            break;
                    }
                }
            }
            var wait = tickAt is { } next ? TimeSpan.FromMilliseconds(Math.Max(0, (long)next - (long)Now())) : TimeSpan.FromSeconds(1);
            await node.Mempool.WaitForChangeAsync(wait, stoppingToken);
        }
    }

    private bool TryCommit(CandidateBlock candidate)
    {
        var built = candidate.Built;
        var header = built.Block.Header;
        var watch = Stopwatch.StartNew();
        try
        {
            node.Commit(candidate);
        }
        catch (Exception e)
        {
            Log.CommitFailed(logger, e, header.Height);
            lifetime.StopApplication();
            return false;
        }
        var rejected = built.Execution.Receipts.Count(r => r.Verdict != TxVerdict.Ok);
        Log.BlockCommitted(logger, header.Height, header.TxCount, rejected, watch.ElapsedMilliseconds);
        return true;
    }

    private ulong Now() => (ulong)clock.GetUtcNow().ToUnixTimeMilliseconds();
}
