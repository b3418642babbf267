using Microsoft.Extensions.Hosting;

namespace HealthLedger.Node.Ledger;

/// <summary>
/// A node's background writer that brings the chain up to what this node's organisation must write by itself (a patient's
/// name index, emergency and break-glass key wraps, a cross-organisation lab charge): it runs <see cref="RoundAsync"/> at
/// start, after each committed block and at the latest every <see cref="Interval"/>, so it catches up after a restart. A
/// failed round is reported through <see cref="SweepFailed"/> and retried after <see cref="Interval"/>; the node keeps
/// serving.
/// </summary>
public abstract class BlockSweeper : BackgroundService
{
    /// <summary>The longest wait between two rounds (5 s), and the pause after a failed one.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _signal = new(0);

    /// <summary>Creates a sweeper over <paramref name="node"/>'s committed blocks, pausing on <paramref name="clock"/>.</summary>
    protected BlockSweeper(LedgerNode node, TimeProvider clock)
    {
        Node = node;
        Clock = clock;
    }

    /// <summary>The node whose committed state the sweep reads and to which it submits.</summary>
    protected LedgerNode Node { get; }

    /// <summary>The node's clock (pauses; a sweep that compares with the time of day reads it here).</summary>
    protected TimeProvider Clock { get; }

    /// <summary>Writes whatever is due now, each write awaited (so a round never sends one twice).</summary>
    public abstract Task SweepAsync(CancellationToken ct);

    /// <summary>One round: <see cref="SweepAsync"/>, or more where one loop serves several sweeps.</summary>
    protected virtual Task RoundAsync(CancellationToken ct) => SweepAsync(ct);

    /// <summary>Logs a round that failed with <paramref name="error"/> (the next one starts after <see cref="Interval"/>).</summary>
    protected abstract void SweepFailed(Exception error);

    /// <inheritdoc/>
    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        void OnBlock(CandidateBlock _)
        {
            if (_signal.CurrentCount == 0) _signal.Release();
        }
        Node.BlockCommitted += OnBlock;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await RoundAsync(stoppingToken);
                    await _signal.WaitAsync(Interval, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    SweepFailed(e);
                    await Task.Delay(Interval, Clock, stoppingToken);
                }
            }
        }
        finally
        {
            Node.BlockCommitted -= OnBlock;
        }
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _signal.Dispose();
        base.Dispose();
        GC.SuppressFinalize(this);
    }
}
