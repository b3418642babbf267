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

    private readonly Lock _lock = new();
    private long? _probedAt;
    private bool _reachable = true;

    /// <summary>
    /// True when the database answered the last probe, made now when the one before is older than <see cref="Interval"/>
    /// (callers meanwhile wait for it: a server out of reach answers within the store's connection timeout).
    /// </summary>
    public bool Reachable()
    {
        lock (_lock)
        {
            var now = clock.GetTimestamp();
            if (_probedAt is { } at && clock.GetElapsedTime(at, now) < Interval) return _reachable;
            bool reachable;
            try
            {
                node.Store.ReadStateValue(StateKeys.Network);
                reachable = true;
                if (!_reachable) Log.StoreReachableAgain(logger);
            }
            catch (Exception e) when (Web.ErrorPages.StoreUnavailable(e))
            {
                reachable = false;
                if (_reachable) Log.StoreUnreachable(logger, e.Message);
            }
            (_reachable, _probedAt) = (reachable, clock.GetTimestamp());
            return reachable;
        }
    }
}
