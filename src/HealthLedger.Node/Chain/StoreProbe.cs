using HealthLedger.Core.Model;
using HealthLedger.Node.Ledger;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Chain;

/// <summary>
/// Whether the ledger's database answers a read, for <c>GET /healthz</c>: one row read from the store (the network's record),
/// at most once per <see cref="Interval"/> whatever the number of callers (they share the answer), so a monitor polling the
/// endpoint, or anyone flooding it, does not become the database's load. Before it, a node whose PostgreSQL server was down
/// answered <c>"status": "ok"</c> until a write failed. The transitions are logged (event 1016 unreachable, with the
/// database's own error; 1017 reachable again), not every probe.
/// </summary>
public sealed class StoreProbe(LedgerNode node, TimeProvider clock, ILogger<StoreProbe> logger)
{
    /// <summary>How long one answer stands: 1 s.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a caller waits for a probe under way: 2 s. A database that hangs rather than refuses (a server stopped with
    /// SIGSTOP, a network that drops packets) does not answer until the store's own timeouts: it counts as not answering after
    /// this, and the probe's own answer stands once it comes.
    /// </summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private long? _probedAt;
    private bool _reachable = true;
    private Task<bool>? _probe;

    /// <summary>
    /// True when the database answered the last probe, made now when the one before is older than <see cref="Interval"/>
    /// (callers meanwhile share it, waiting at most <see cref="WaitLimit"/> for its answer: false after that).
    /// </summary>
    public bool Reachable()
    {
        Task<bool> probe;
        lock (_lock)
        {
            if (_probe is { IsCompleted: false } running) probe = running;
            else if (_probedAt is { } at && clock.GetElapsedTime(at) < Interval) return _reachable;
            else probe = _probe = Task.Run(Probe);
        }
        // Waited without Task.Wait's AggregateException: a probe that failed otherwise rethrows its own exception.
        if (((IAsyncResult)probe).AsyncWaitHandle.WaitOne(WaitLimit)) return probe.GetAwaiter().GetResult();
        lock (_lock)
        {
            if (_reachable) Log.StoreUnreachable(logger, $"no answer within {WaitLimit.TotalSeconds:0} s");
            _reachable = false;
        }
        return false;
    }

    private bool Probe()
    {
        bool reachable;
        string? reason = null;
        try
        {
            node.Store.ReadStateValue(StateKeys.Network);
            reachable = true;
        }
        catch (Exception e) when (Web.ErrorPages.StoreUnavailable(e))
        {
            reachable = false;
            reason = e.Message;
        }
        lock (_lock)
        {
            if (reachable && !_reachable) Log.StoreReachableAgain(logger);
            if (!reachable && _reachable) Log.StoreUnreachable(logger, reason!);
            (_reachable, _probedAt) = (reachable, clock.GetTimestamp());
        }
        return reachable;
    }
}
