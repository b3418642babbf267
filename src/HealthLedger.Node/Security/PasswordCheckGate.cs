using System.Globalization;
using HealthLedger.Node.Configuration;

namespace HealthLedger.Node.Security;

/// <summary>
/// A bound on the password checks (Argon2id: 64 MiB and a few hundred milliseconds of a core each) that run at once: logins,
/// password changes, unlocking a user's keys. At most <see cref="NodeOptions.PasswordCheckConcurrency"/> run; up to
/// <see cref="NodeOptions.PasswordCheckQueue"/> more wait (each at most <see cref="NodeOptions.PasswordCheckWait"/>); any other is
/// refused at once (the caller answers 503 with <c>Retry-After</c>), so a flood of bogus logins can neither exhaust memory nor
/// queue real logins behind it without end. Counted for real and unknown accounts alike. Rate limits per client and account are
/// <see cref="LoginThrottle"/>'s.
/// </summary>
public sealed class PasswordCheckGate : IDisposable
{
    /// <summary>How long a refused caller is told to wait.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>What a refused caller is told.</summary>
    public static string Message =>
        $"Too many password checks are running on this node at the moment: try again in {RetryAfter.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.";

    private readonly SemaphoreSlim _slots;
    private readonly int _queueLimit;
    private readonly TimeSpan _wait;
    private int _waiting;

    /// <summary>The limits of <paramref name="options"/>.</summary>
    public PasswordCheckGate(NodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PasswordCheckConcurrency, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.PasswordCheckQueue);
        _slots = new SemaphoreSlim(options.PasswordCheckConcurrency, options.PasswordCheckConcurrency);
        _queueLimit = options.PasswordCheckQueue;
        _wait = options.PasswordCheckWait;
    }

    /// <summary>
    /// A slot for one password check (dispose it when the check is done), or null when the node is busy: every slot is taken
    /// and the queue is full, or no slot came free in time.
    /// </summary>
    public IDisposable? TryEnter()
    {
        if (_slots.Wait(0)) return new Slot(_slots);
        if (Interlocked.Increment(ref _waiting) > _queueLimit)
        {
            Interlocked.Decrement(ref _waiting);
            return null;
        }
        try
        {
            return _slots.Wait(_wait) ? new Slot(_slots) : null;
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) slots.Release();
        }
    }
}
