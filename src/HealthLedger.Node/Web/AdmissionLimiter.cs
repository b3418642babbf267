using System.Threading.RateLimiting;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using Microsoft.AspNetCore.Http;

namespace HealthLedger.Node.Web;

/// <summary>
/// The node's global rate limiter (ASP.NET Core's rate-limiting middleware): two <see cref="ConcurrencyLimiter"/>s without a
/// queue, one for writes and one for everything else a person or client asks (<see cref="Classify"/>), so a request beyond
/// its budget is refused at once rather than waiting. Peer calls (gRPC, consensus, block sync), the health check and static
/// assets are never limited. A refusal's lease carries <see cref="MetadataName.RetryAfter"/> and <see cref="RefusalMarker"/>,
/// by which <see cref="AdmissionControl"/> tells it from the endpoint policies' refusals.
/// </summary>
public sealed class AdmissionLimiter : PartitionedRateLimiter<HttpContext>
{
    /// <summary>The metadata name that marks an admission refusal's lease (its value is the budget's name).</summary>
    public const string RefusalMarker = "healthledger.admission";

    private readonly ConcurrencyLimiter _writes;
    private readonly ConcurrencyLimiter _reads;
    private readonly TimeSpan _retryAfter;

    /// <summary>Budgets of <paramref name="limits"/>.</summary>
    public AdmissionLimiter(AdmissionLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _writes = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = limits.Writes, QueueLimit = 0 });
        _reads = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = limits.Reads, QueueLimit = 0 });
        _retryAfter = TimeSpan.FromSeconds(limits.RetryAfterSeconds);
    }

    /// <summary>Which budget a request takes.</summary>
    public enum Budget
    {
        /// <summary>Not limited: peer calls, the health check, static assets, error pages.</summary>
        None,
        /// <summary>A write: POST, PUT, PATCH or DELETE, other than signing in or out and changing a password.</summary>
        Writes,
        /// <summary>Reads, pages and sign-ins.</summary>
        Reads,
    }

    /// <summary>The budget of <paramref name="request"/> (see <see cref="Budget"/>).</summary>
    public static Budget Classify(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.Path;
        if (path.StartsWithSegments(PeerPortGate.PeerPathPrefix, StringComparison.Ordinal) || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/assets")
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
        return Budget.Writes;
    }

    private ConcurrencyLimiter? For(HttpContext context) => Classify(context.Request) switch
    {
        Budget.Writes => _writes,
        Budget.Reads => _reads,
        _ => null,
    };

    /// <summary>Requests in progress and refused so far, per budget (for the health check and tests).</summary>
    public (RateLimiterStatistics? Writes, RateLimiterStatistics? Reads) Statistics => (_writes.GetStatistics(), _reads.GetStatistics());

    /// <inheritdoc/>
    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => For(resource)?.GetStatistics();

    /// <inheritdoc/>
    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        var limiter = For(resource);
        if (limiter is null) return Admitted.Instance;
        var lease = limiter.AttemptAcquire(permitCount);
        if (lease.IsAcquired) return lease;
        lease.Dispose();
        return new Refused(limiter == _writes ? "writes" : "reads", _retryAfter);
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
