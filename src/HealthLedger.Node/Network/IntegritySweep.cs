using System.Diagnostics;
using HealthLedger.Node.Ledger;
using HealthLedger.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Network;

/// <summary>Where the integrity sweep of a node is.</summary>
public enum IntegritySweepStatus
{
    /// <summary>The start-up check read every block itself: nothing was taken on trust, so there is nothing to sweep.</summary>
    NotNeeded,

    /// <summary>The node has not finished starting, or the sweep is reading.</summary>
    Running,

    /// <summary>Every block and record ciphertext the start took on trust matched the chain.</summary>
    Passed,

    /// <summary>Damage was found: the node removed the start-up check's record and shut down (<see cref="IntegritySweep.Issue"/>).</summary>
    Failed,

    /// <summary>The node stopped before the sweep finished; the next start takes the same blocks on trust and sweeps again.</summary>
    Stopped,

    /// <summary>
    /// The ledger's database failed under the sweep (an outage, a connection the server ended): nothing was found changed and
    /// no damage is recorded, but what the start took on trust is unchecked, so the records are removed and the node stopped
    /// (exit 1); the next start checks every block and state entry itself.
    /// </summary>
    Interrupted,
}

/// <summary>
/// The integrity sweep: once a node has started on blocks its start-up check took on trust from the previous check's record
/// (<see cref="LedgerNode.TrustedAtStart"/>, <see cref="CheckedPrefix"/>), it reads blocks 0 to the tip at start again in the
/// background with <see cref="StoreVerifier.Sweep"/> (rows, hashes, links, proposer signatures, commit certificates, record
/// ciphertexts against their hashes and heights), on one thread beside the node's work. So a start costs the blocks added
/// since the last one, not the whole history, and a byte changed in an old block while the node was stopped is still found,
/// minutes after the start instead of before it. When the start built the world state's tree from the entries kept at the last
/// clean stop (<see cref="LedgerNode.StateTakenOnTrust"/>, <see cref="StateTreeFile"/>) instead of hashing every entry, the sweep
/// first reads the very rows the start loaded again, from the view of the store the start read them from (held open until then:
/// <see cref="IStateSnapshot"/>), and checks each against the tree the start took, whose root is the tip's state root at start
/// (<see cref="StoreVerifier.SweepState"/>, on both cores).
/// </summary>
/// <remarks>
/// When the sweep finds damage it logs it (event 1009, critical; the text names heights, hashes, keys and transaction ids,
/// never health data), records it in <c>ledger.damaged</c> (<see cref="LedgerNode.DamageFileName"/>: every later start refuses
/// while it exists, even when a block has since rewritten a changed state row), removes <c>ledger.checked</c> and
/// <c>ledger.tree</c> so that a start after the operator removed that record verifies every block and state entry, and stops the node (<see cref="ConsensusHost.Halt"/>: <c>healthledger up</c> exits with code 1).
/// A sweep that passes logs event 1008 (blocks) and 1012 (state), and then hands the memory it read back to the system
/// (<see cref="Hosting.NodeHost.HandBackGarbage"/>). A node stopped mid-sweep keeps its files: its next start
/// takes the same on trust and sweeps again.
/// <c>healthledger verify</c> (offline) re-derives everything, re-execution included.
/// </remarks>
public sealed class IntegritySweep(LedgerNode node, ConsensusHost consensus, IHostApplicationLifetime lifetime, ILogger<IntegritySweep> logger)
    : BackgroundService
{
    private volatile IntegritySweepStatus _status = WillRun(node) ? IntegritySweepStatus.Running : IntegritySweepStatus.NotNeeded;

    /// <summary>Whether a sweep runs once <paramref name="node"/> has started: its start took blocks or the state on trust.</summary>
    public static bool WillRun(LedgerNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.TrustedAtStart is not null || node.StateTakenOnTrust;
    }

    /// <summary>Where the sweep is.</summary>
    public IntegritySweepStatus Status => _status;

    /// <summary>The damage a failed sweep found (heights, hashes, no health data); null otherwise.</summary>
    public string? Issue { get; private set; }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!WillRun(node)) return;
        // Only once the node answers: the sweep must not delay readiness, which is what taking blocks on trust is for.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try
            {
                await started.Task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _status = IntegritySweepStatus.Stopped;
                return;
            }
        }
        VerifyReport report;
        try
        {
            report = await Task.Factory.StartNew(() => Sweep(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: cancelled between blocks, or the store closed under a read.
            _status = IntegritySweepStatus.Stopped;
            return;
        }
        catch (Exception e) when (StoreUnavailableException.IsDatabaseFailure(e))
        {
            // The database failed under the sweep (an outage, a connection or transaction the server ended, e.g. PostgreSQL's
            // idle_in_transaction_session_timeout): nothing was found changed, so no damage is recorded. What the start took on
            // trust is unchecked: the records are removed, so that the next start checks every block and state entry itself,
            // and the node stops (exit 1) rather than run on it.
            Issue = $"the integrity sweep could not read the ledger's database ({e.Message}); nothing was found changed, and the next start checks every block and state entry";
            Log.IntegritySweepInterrupted(logger, Issue);
            ForgetCheckedRecord();
            consensus.Halt(Issue);
            _status = IntegritySweepStatus.Interrupted;
            return;
        }
        catch (Exception e) when (e is StoreCorruptException or InvalidDataException)
        {
            report = new VerifyReport(0, 0, "", new Core.Verification.VerifyIssue(null, null, null, null, $"the ledger could not be read ({e.Message})"));
        }
        if (report.Issue is null)
        {
            // What the sweep read (every block, the leaves of the state it hashed) is garbage now: handed back to the system, as
            // the start's was (NodeHost.HandBackGarbage), or the process would stay at the sweep's peak. It holds every thread
            // (about 3 s at 100,000 patients), once: the node misses those seconds of rounds and requests, which a network of four
            // or more validators commits through. Not when the node is stopping: it is about to hand everything back.
            if (!stoppingToken.IsCancellationRequested) Hosting.NodeHost.HandBackGarbage(node);
            _status = IntegritySweepStatus.Passed;
            return;
        }
        Issue = report.Issue.ToString();
        Log.IntegritySweepFailed(logger, Issue);
        try
        {
            // Lasting: a block committed since the start may have rewritten a changed state row, so that a fresh check would pass.
            node.RecordDamage(Issue);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The next start then checks again (without the records it took on trust, when they could be removed).
        }
        ForgetCheckedRecord();
        consensus.Halt($"the integrity sweep found the ledger changed outside the node: {Issue}");
        _status = IntegritySweepStatus.Failed; // last: whoever sees it sees the record gone and the node stopping
    }

    // Removes what the start took on trust from (ledger.checked, ledger.tree), so that the next start checks everything itself;
    // a file that cannot be removed is left: the next start then takes the same on trust and sweeps again.
    private void ForgetCheckedRecord()
    {
        try
        {
            node.ForgetCheckedRecord();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    // The world state taken on trust first (the values the node decides with; on both cores), then the blocks taken on trust
    // (each when it was); the first problem, or a passing report.
    private VerifyReport Sweep(CancellationToken stoppingToken)
    {
        if (node.TakeStateOnTrust() is { } state)
        {
            using var view = state.State;
            Log.StateSweepStarted(logger);
            var hashing = Stopwatch.StartNew();
            var swept = StoreVerifier.SweepState(view, state.At, static (count, body) => Parallel.For(0, count, body), stoppingToken);
            if (swept.Issue is not null) return swept;
            Log.StateSweepPassed(logger, state.At.Height, hashing.Elapsed.TotalSeconds);
        }
        if (node.TrustedAtStart is not { } trusted) return new VerifyReport(0, 0, "", null);
        Log.IntegritySweepStarted(logger, trusted.Tip, trusted.Through);
        var clock = Stopwatch.StartNew();
        var blocks = StoreVerifier.Sweep(node.Store, trusted.Tip, LedgerNode.CheckCertificate, stoppingToken);
        if (blocks.Issue is null) Log.IntegritySweepPassed(logger, blocks.Blocks, blocks.Transactions, trusted.Tip, clock.Elapsed.TotalSeconds);
        return blocks;
    }
}
