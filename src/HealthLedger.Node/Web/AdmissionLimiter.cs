using System.Threading.RateLimiting;
using HealthLedger.Node.Configuration;
using Microsoft.AspNetCore.Http;

namespace HealthLedger.Node.Web;

/// <summary>
/// The node's global rate limiter (ASP.NET Core's rate-limiting middleware): three <see cref="ConcurrencyLimiter"/>s without a
/// queue, one for writes, one for writes whose large body streams to their endpoint (uploads, <see cref="BodyBeforeAdmission"/>)
/// and one for everything else a person or client asks (<see cref="Classify"/>), so a request beyond its budget is refused at
/// once rather than waiting. Every other request's body has been read whole before it is counted (<see cref="BodyBeforeAdmission"/>). Peer calls (gRPC, consensus, block sync), the health check and static
/// assets are never limited. A refusal's lease carries <see cref="MetadataName.RetryAfter"/> and <see cref="RefusalMarker"/>,
/// by which <see cref="AdmissionControl"/> tells it from the endpoint policies' refusals.
/// <para>
/// Within the write limiter's permits (<see cref="AdmissionLimits.Writes"/>, the ceiling) the number of writes taken at once
/// adapts to what the node commits (<see cref="WriteLimit"/>): each admitted write's time from admission to its answer is
/// measured, and every half second the limit shrinks in proportion (target ÷ average, by a tenth to a half) when the average
/// exceeded <see cref="AdmissionLimits.TargetLatencyMs"/>, and grows by an eighth when writes were refused while the average
/// stayed under half of it. By Little's law the writes in progress are then about one target latency of the node's commit rate, whatever
/// the node, cluster or machine; a slow one refuses earlier instead of letting every write wait longer.
/// </para>
/// <para>
/// An upload holds its permit while its body still arrives, however slowly; so one caller (a signed-in user, else a client
/// address: <see cref="Security.HttpContextSessions.Caller"/>) may hold at most <see cref="UploadsPerCaller"/> of them at once (a
/// quarter of <see cref="AdmissionLimits.Uploads"/>, at least 1), and one more of theirs is refused at once with 429 and
/// <c>Retry-After</c> (<see cref="AdmissionControl"/>): a user sending slow large bodies can no longer hold every upload
/// permit, and everyone else's uploads go on.
/// </para>
/// </summary>
public sealed class AdmissionLimiter : PartitionedRateLimiter<HttpContext>
{
    /// <summary>The metadata name that marks an admission refusal's lease (its value is the budget's name).</summary>
    public const string RefusalMarker = "healthledger.admission";

    /// <summary>The budget name of an upload refused because its caller holds <see cref="UploadsPerCaller"/> already (the caller's limit, not the node's overload).</summary>
    public const string UploadsPerCallerBudget = "uploads-per-caller";

    /// <summary>The budget name of an upload refused because callers without a session hold <see cref="AnonymousUploads"/> already.</summary>
    public const string AnonymousUploadsBudget = "uploads-anonymous";

    private static readonly long AdjustEvery = System.Diagnostics.Stopwatch.Frequency / 2;

    private readonly ConcurrencyLimiter _writes;
    private readonly ConcurrencyLimiter _uploads;
    private readonly ConcurrencyLimiter _reads;
    private readonly TimeSpan _retryAfter;
    private readonly int _maxWrites;
    private readonly int _minWrites;
    private readonly double _targetTicks;
    private readonly Lock _window = new();
    private int _writeLimit;
    private long _windowStart = System.Diagnostics.Stopwatch.GetTimestamp();
    private long _windowTicks;
    private long _windowWrites;
    private long _windowRefusals;
    private long _refusedWrites;
    private int _bodiesArriving;
    private long _bodyBytes;
    private long _refusedBodies;
    private readonly long _maxBodyBytes;
    private readonly Dictionary<string, long> _bodyBytesByCaller = new(StringComparer.Ordinal);
    private readonly Lock _bodyCounts = new();
    private long _refusedBodiesPerCaller;
    private readonly Dictionary<string, int> _uploadsByCaller = new(StringComparer.Ordinal);
    private int _anonymousUploads;
    private readonly Lock _uploadCounts = new();

    /// <summary>Budgets of <paramref name="limits"/>.</summary>
    public AdmissionLimiter(AdmissionLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _writes = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = limits.Writes, QueueLimit = 0 });
        _uploads = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = limits.Uploads, QueueLimit = 0 });
        _reads = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = limits.Reads, QueueLimit = 0 });
        UploadsPerCaller = Math.Max(1, limits.Uploads / 4);
        AnonymousUploads = Math.Max(1, limits.Uploads / 2);
        _retryAfter = TimeSpan.FromSeconds(limits.RetryAfterSeconds);
        _maxBodyBytes = limits.BodyBytes;
        BodyBytesPerCaller = Math.Max(1, limits.BodyBytes / 4);
        _maxWrites = _writeLimit = limits.Writes;
        _minWrites = limits.TargetLatencyMs == 0 ? limits.Writes : Math.Max(1, limits.Writes / 16);
        _targetTicks = limits.TargetLatencyMs / 1000.0 * System.Diagnostics.Stopwatch.Frequency;
    }

    /// <summary>Uploads one caller (a signed-in user, else a client address) may have in progress at once: a quarter of <see cref="AdmissionLimits.Uploads"/>, at least 1.</summary>
    public int UploadsPerCaller { get; }

    /// <summary>
    /// Uploads that callers without a session (the signed-transaction batch door, <c>POST /api/v1/transactions/batch</c>, whose
    /// transactions carry their own signatures) may have in progress at once, all client addresses together: half of
    /// <see cref="AdmissionLimits.Uploads"/>, at least 1. The other half stays for signed-in people's documents and imports,
    /// however many addresses send slow anonymous bodies.
    /// </summary>
    public int AnonymousUploads { get; }

    /// <summary>Uploads by callers without a session in progress now (at most <see cref="AnonymousUploads"/>).</summary>
    public int AnonymousUploadsInProgress
    {
        get
        {
            lock (_uploadCounts) return _anonymousUploads;
        }
    }

    /// <summary>Writes taken at once now: between a sixteenth of <see cref="AdmissionLimits.Writes"/> and all of it (see the class remarks).</summary>
    public int WriteLimit => Volatile.Read(ref _writeLimit);

    /// <summary>Which budget a request takes.</summary>
    public enum Budget
    {
        /// <summary>Not limited: peer calls, the health check, static assets, error pages.</summary>
        None,
        /// <summary>A write: POST, PUT, PATCH or DELETE, other than signing in or out and changing a password.</summary>
        Writes,
        /// <summary>Reads, pages and sign-ins.</summary>
        Reads,
        /// <summary>A write whose body is larger than what is read before admission (<see cref="BodyBeforeAdmission.Streams"/>): a document upload, an import.</summary>
        Uploads,
    }

    /// <summary>The budget of <paramref name="request"/> (see <see cref="Budget"/>).</summary>
    public static Budget Classify(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.Path;
        // The peer service (PeerPortGate): peers and consensus are never refused by admission control.
        if (Hosting.PeerPortGate.IsPeerCall(request) || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/assets")
            || path.StartsWithSegments("/error"))
        {
            return Budget.None;
        }
        var method = request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method)) return Budget.Reads;
        // Signing in and out checks a password or ends a session and commits nothing: a write flood must not lock people out.
        if (path.StartsWithSegments("/api/v1/auth") || path.StartsWithSegments("/login") || path.StartsWithSegments("/logout") || path.StartsWithSegments("/account/password"))
        {
            return Budget.Reads;
        }
        return BodyBeforeAdmission.Streams(request.HttpContext) ? Budget.Uploads : Budget.Writes;
    }

    private ConcurrencyLimiter? For(HttpContext context) => Classify(context.Request) switch
    {
        Budget.Writes => _writes,
        Budget.Uploads => _uploads,
        Budget.Reads => _reads,
        _ => null,
    };

    /// <summary>Requests whose bodies are being read before they are counted (<see cref="BodyBeforeAdmission"/>): they hold no permit.</summary>
    public int BodiesArriving => Volatile.Read(ref _bodiesArriving);

    /// <summary>Bytes reserved now by the bodies being read before they are counted (at most <see cref="AdmissionLimits.BodyBytes"/>).</summary>
    public long BodyBytesArriving => Interlocked.Read(ref _bodyBytes);

    /// <summary>Requests refused since the node started because the bodies already arriving held <see cref="AdmissionLimits.BodyBytes"/>.</summary>
    public long RefusedBodies => Interlocked.Read(ref _refusedBodies);

    /// <summary>What a request refused here is told to wait.</summary>
    internal TimeSpan RetryAfter => _retryAfter;

    /// <summary>
    /// Bytes of bodies arriving that one caller (a signed-in user, else a client address) may hold at once: a quarter of
    /// <see cref="AdmissionLimits.BodyBytes"/>. A caller with no body arriving always has one taken (within the node's budget).
    /// </summary>
    public long BodyBytesPerCaller { get; }

    /// <summary>Requests refused since the node started because their caller's bodies already arriving held <see cref="BodyBytesPerCaller"/>.</summary>
    public long RefusedBodiesPerCaller => Interlocked.Read(ref _refusedBodiesPerCaller);

    /// <summary>
    /// Reserves <paramref name="bytes"/> for a body of <paramref name="caller"/> (<see cref="Security.HttpContextSessions.Caller"/>)
    /// about to be read whole. Refused, with nothing reserved, when the caller's bodies already arriving hold
    /// <see cref="BodyBytesPerCaller"/> and this one does not fit (<see cref="BodyAdmission.CallerFull"/>: the caller's limit), or
    /// when all the bodies arriving hold <see cref="AdmissionLimits.BodyBytes"/> and this one does not fit
    /// (<see cref="BodyAdmission.NodeFull"/>). One body is always taken when none is arriving, and one of a caller's when none of
    /// theirs is: a user or address sending slow bodies holds at most a quarter of the budget, and everyone else's writes and
    /// sign-ins go on.
    /// </summary>
    internal BodyAdmission TryBodyArriving(string caller, long bytes)
    {
        lock (_bodyCounts)
        {
            var held = _bodyBytesByCaller.GetValueOrDefault(caller);
            if (held > 0 && held + bytes > BodyBytesPerCaller)
            {
                Interlocked.Increment(ref _refusedBodiesPerCaller);
                return BodyAdmission.CallerFull;
            }
            var total = Interlocked.Read(ref _bodyBytes) + bytes;
            if (total > _maxBodyBytes && total != bytes)
            {
                Interlocked.Increment(ref _refusedBodies);
                return BodyAdmission.NodeFull;
            }
            _bodyBytesByCaller[caller] = held + bytes;
            Interlocked.Add(ref _bodyBytes, bytes);
            Interlocked.Increment(ref _bodiesArriving);
            return BodyAdmission.Taken;
        }
    }

    /// <summary>Releases what <see cref="TryBodyArriving"/> reserved once the body is read, or its reading failed.</summary>
    internal void BodyArrived(string caller, long bytes)
    {
        lock (_bodyCounts)
        {
            var held = _bodyBytesByCaller.GetValueOrDefault(caller) - bytes;
            if (held > 0) _bodyBytesByCaller[caller] = held;
            else _bodyBytesByCaller.Remove(caller);
            Interlocked.Add(ref _bodyBytes, -bytes);
            Interlocked.Decrement(ref _bodiesArriving);
        }
    }

    /// <summary>What <see cref="TryBodyArriving"/> decided.</summary>
    internal enum BodyAdmission
    {
        /// <summary>Reserved: read the body, then release it with <see cref="BodyArrived"/>.</summary>
        Taken,

        /// <summary>The caller's bodies arriving hold their share (429: the caller's limit).</summary>
        CallerFull,

        /// <summary>All the bodies arriving hold the node's budget (503: overload).</summary>
        NodeFull,
    }

    /// <summary>Write requests refused since the node started.</summary>
    public long RefusedWrites => Interlocked.Read(ref _refusedWrites);

    /// <summary>The limiters' own counts, per budget (writes refused by <see cref="WriteLimit"/> are in <see cref="RefusedWrites"/> only).</summary>
    public (RateLimiterStatistics? Writes, RateLimiterStatistics? Reads) Statistics => (_writes.GetStatistics(), _reads.GetStatistics());

    /// <inheritdoc/>
    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => For(resource)?.GetStatistics();

    /// <inheritdoc/>
    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        var limiter = For(resource);
        if (limiter is null) return Admitted.Instance;
        if (limiter == _uploads) return AcquireUpload(resource, permitCount);
        if (limiter != _writes)
        {
            var other = limiter.AttemptAcquire(permitCount);
            if (other.IsAcquired) return other;
            other.Dispose();
            return new Refused("reads", _retryAfter);
        }
        Adjust();
        var inProgress = _maxWrites - (_writes.GetStatistics()?.CurrentAvailablePermits ?? 0);
        var lease = inProgress + permitCount <= WriteLimit ? _writes.AttemptAcquire(permitCount) : null;
        if (lease is { IsAcquired: true })
        {
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            return new Admission(lease, () => Finished(System.Diagnostics.Stopwatch.GetTimestamp() - start));
        }
        lease?.Dispose();
        return new Refused("writes", _retryAfter); // counted once answered (Refusing): the middleware asks twice before it refuses
    }

    // An upload: the caller's own share first (so a refusal for it takes nothing from the node's budget), then, without a
    // session, the anonymous callers' half, then the budget.
    private RateLimitLease AcquireUpload(HttpContext context, int permitCount)
    {
        var caller = Security.HttpContextSessions.Caller(context);
        var anonymous = Security.HttpContextSessions.UserSession(context) is null;
        lock (_uploadCounts)
        {
            var held = _uploadsByCaller.GetValueOrDefault(caller);
            if (held + permitCount > UploadsPerCaller) return new Refused(UploadsPerCallerBudget, _retryAfter);
            if (anonymous && _anonymousUploads + permitCount > AnonymousUploads) return new Refused(AnonymousUploadsBudget, _retryAfter);
            _uploadsByCaller[caller] = held + permitCount;
            if (anonymous) _anonymousUploads += permitCount;
        }
        var lease = _uploads.AttemptAcquire(permitCount);
        if (lease.IsAcquired) return new Admission(lease, () => ReleaseUpload(caller, anonymous, permitCount));
        lease.Dispose();
        ReleaseUpload(caller, anonymous, permitCount);
        return new Refused("uploads", _retryAfter);
    }

    private void ReleaseUpload(string caller, bool anonymous, int permitCount)
    {
        lock (_uploadCounts)
        {
            var held = _uploadsByCaller.GetValueOrDefault(caller) - permitCount;
            if (held > 0) _uploadsByCaller[caller] = held;
            else _uploadsByCaller.Remove(caller);
            if (anonymous) _anonymousUploads -= permitCount;
        }
    }

    /// <summary>Counts a request refused with <paramref name="lease"/> (called once per refused request, by <see cref="AdmissionControl.RefuseAsync(Microsoft.AspNetCore.RateLimiting.OnRejectedContext)"/>).</summary>
    internal void Refusing(RateLimitLease lease)
    {
        if (!lease.TryGetMetadata(RefusalMarker, out var budget) || budget is not "writes") return;
        Interlocked.Increment(ref _windowRefusals);
        Interlocked.Increment(ref _refusedWrites);
    }

    private void Finished(long ticks)
    {
        Interlocked.Add(ref _windowTicks, ticks);
        Interlocked.Increment(ref _windowWrites);
    }

    // Every half second: fewer in proportion (target ÷ average, 10% to 50% fewer) when admitted writes took longer than the
    // target on average; an eighth more when some were refused while they took under half of it.
    private void Adjust()
    {
        if (_minWrites == _maxWrites) return;
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (now - Volatile.Read(ref _windowStart) < AdjustEvery) return;
        lock (_window)
        {
            if (now - _windowStart < AdjustEvery) return;
            var writes = Interlocked.Exchange(ref _windowWrites, 0);
            var ticks = Interlocked.Exchange(ref _windowTicks, 0);
            var refusals = Interlocked.Exchange(ref _windowRefusals, 0);
            Volatile.Write(ref _windowStart, now);
            if (writes == 0) return;
            var average = (double)ticks / writes;
            var limit = _writeLimit;
            if (average > _targetTicks) limit = Math.Max(_minWrites, (int)(limit * Math.Clamp(_targetTicks / average, 0.5, 0.9)));
            else if (refusals > 0 && average < _targetTicks / 2) limit = Math.Min(_maxWrites, limit + Math.Max(1, limit / 8));
            Volatile.Write(ref _writeLimit, limit);
        }
    }

    /// <inheritdoc/>
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(resource, permitCount)); // no queue: a request is taken or refused at once

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _writes.Dispose();
            _uploads.Dispose();
            _reads.Dispose();
        }
        base.Dispose(disposing);
    }

    private sealed class Admitted : RateLimitLease
    {
        public static readonly Admitted Instance = new();

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }

    // An admitted request: releases its permit, then does what its budget needs once (a write reports how long it held it; an
    // upload gives its caller's share back).
    private sealed class Admission(RateLimitLease inner, Action released) : RateLimitLease
    {
        private int _disposed;

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => inner.MetadataNames;

        public override bool TryGetMetadata(string metadataName, out object? metadata) => inner.TryGetMetadata(metadataName, out metadata);

        protected override void Dispose(bool disposing)
        {
            if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                inner.Dispose();
                released();
            }
            base.Dispose(disposing);
        }
    }

    private sealed class Refused(string budget, TimeSpan retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [MetadataName.RetryAfter.Name, RefusalMarker];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = metadataName == MetadataName.RetryAfter.Name ? retryAfter : metadataName == RefusalMarker ? budget : null;
            return metadata is not null;
        }
    }
}
