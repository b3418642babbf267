namespace HealthLedger.Node.Configuration;

/// <summary>
/// How much work the node takes on at once before it answers the rest at once with 503 and <c>Retry-After</c>
/// (<see cref="Web.AdmissionControl"/>), kept in <c>node.json</c> as <c>"admission"</c>. The write budget bounds the
/// requests that wait for their block to commit: set it to about what the node commits in one second (its fixed-load
/// throughput of writes, see docs/operations.md), so an accepted write answers within about a second however hard the node is
/// pushed. Reads and sign-ins have their own, larger budget, so a flood of writes never locks them out.
/// </summary>
public sealed record AdmissionLimits
{
    /// <summary>
    /// The most write requests (POST, PUT, PATCH, DELETE outside sign-in) served at once, most of them waiting for their commit;
    /// default 64 per processor of the node's share of the machine (<see cref="MachineShare"/>: all its processors, unless
    /// <c>cluster up</c> or <c>consortium up</c> runs several nodes on it). With <see cref="TargetLatencyMs"/> set, the node adapts the number it takes within it (down to a
    /// sixteenth of it, at least 1) so that admitted writes take about that long on average.
    /// </summary>
    public int Writes { get; init; } = (int)MachineShare.PerProcessor(64);

    /// <summary>
    /// When above 0: the average time, in milliseconds, an admitted write may take (request to commit) before the node takes
    /// fewer writes at once (e.g. 400: a lab order is five writes one after another, so an operation of several writes stays
    /// within about two seconds). Default 0: no adaptation, always <see cref="Writes"/> (see docs/operations.md for the
    /// trade-off: under saturation the adaptation keeps accepted writes fast but refuses, and so slows, closed-loop clients).
    /// </summary>
    public int TargetLatencyMs { get; init; }

    /// <summary>
    /// Writes with a body larger than 1 MiB (a document upload, an import, a large transaction batch) served at once; default
    /// 8 per processor of the node's share (<see cref="MachineShare"/>). Their bodies stream to their endpoint while they hold a permit, so they have this budget of their own:
    /// a client sending one slowly can hold only other large uploads, never the ordinary writes, reads or sign-ins, whose bodies
    /// are read whole before they are counted (docs/operations.md, "Overload: admission control"). One caller (a signed-in user,
    /// else a client address) holds at most a quarter of it, at least 1 (<see cref="Web.AdmissionLimiter.UploadsPerCaller"/>).
    /// </summary>
    public int Uploads { get; init; } = (int)MachineShare.PerProcessor(8);

    /// <summary>
    /// The bytes of request bodies being read whole before they are counted (<see cref="Web.BodyBeforeAdmission"/>: bodies up to
    /// 1 MiB, each reserving its declared length, or its endpoint's cap when it declares none) held in memory at once; default
    /// 32 MiB per processor of the node's share (<see cref="MachineShare"/>), at least 1 MiB. A body that does not fit is refused at once with 503 and <c>Retry-After</c>, so many slow senders
    /// cannot grow the node's memory without bound. One body is always taken when none is arriving.
    /// </summary>
    public long BodyBytes { get; init; } = MachineShare.PerProcessor(32L * 1024 * 1024, atLeast: 1024 * 1024);

    /// <summary>Other requests (reads, pages, sign-ins) served at once; default 256 per processor of the node's share (<see cref="MachineShare"/>).</summary>
    public int Reads { get; init; } = (int)MachineShare.PerProcessor(256);

    /// <summary>What a refused request is told to wait, in whole seconds (the <c>Retry-After</c> header); default 1.</summary>
    public int RetryAfterSeconds { get; init; } = 1;

    /// <summary>Transactions that may wait in the mempool (from the API, raw submissions and peers); beyond it a submission is refused at once with 503. Default 200,000.</summary>
    public int Mempool { get; init; } = 200_000;

    /// <summary>The defaults.</summary>
    public static AdmissionLimits Default { get; } = new();

    /// <summary>What is wrong with the values (field name, message); empty when they are usable.</summary>
    public IReadOnlyList<(string Field, string Message)> Problems()
    {
        var problems = new List<(string, string)>();
        if (Writes < 1) problems.Add(("writes", "must be at least 1"));
        if (Reads < 1) problems.Add(("reads", "must be at least 1"));
        if (Uploads < 1) problems.Add(("uploads", "must be at least 1"));
        if (BodyBytes < 1024 * 1024) problems.Add(("bodyBytes", "must be at least 1048576 (one 1 MiB body)"));
        if (RetryAfterSeconds is < 1 or > 3600) problems.Add(("retryAfterSeconds", "must be between 1 and 3600"));
        if (Mempool < 1) problems.Add(("mempool", "must be at least 1"));
        if (TargetLatencyMs is < 0 or > 60_000) problems.Add(("targetLatencyMs", "must be between 0 (no adaptation) and 60000"));
        return problems;
    }
}
