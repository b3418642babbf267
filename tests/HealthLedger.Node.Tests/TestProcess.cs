using System.Runtime.CompilerServices;

namespace HealthLedger.Node.Tests;

/// <summary>Settings of the Node test process as a whole.</summary>
internal static class TestProcess
{
    /// <summary>
    /// Starts the thread pool with 32 workers. The network tests run up to ten nodes in this one process (two test classes at a
    /// time), each committing blocks with synchronous SQLite writes (an fsync each, synchronous=FULL) on pool threads, where a
    /// production node runs alone in its process. On a 2-core machine the pool starts with 2 workers and adds about one per
    /// 500 ms while they block, so under load (CI runs three test processes at once) the nodes' consensus loops, gRPC calls and
    /// timers queued behind each other for seconds.
    /// </summary>
    [ModuleInitializer]
    internal static void Initialize()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(io, 32));
    }
}
