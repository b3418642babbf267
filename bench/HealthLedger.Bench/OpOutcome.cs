namespace HealthLedger.Bench;

/// <summary>
/// How one operation ended: done (<see cref="Error"/> null), refused at once by an overloaded system (<see cref="Rejected"/>:
/// a 503 with <c>Retry-After</c>, counted apart from failures), or failed (<see cref="Error"/> says why).
/// </summary>
/// <param name="Error">Null when done; otherwise why not.</param>
/// <param name="Rejected">True when the system refused it for overload (503) and it was not retried.</param>
public readonly record struct OpOutcome(string? Error, bool Rejected = false)
{
    /// <summary>Done.</summary>
    public static OpOutcome Ok { get; } = new(null);

    /// <summary>Failed for <paramref name="reason"/>.</summary>
    public static OpOutcome Failed(string reason) => new(reason);

    /// <summary>Refused for overload (503).</summary>
    public static OpOutcome Refused(string reason) => new(reason, Rejected: true);

    /// <summary>The same outcome with <paramref name="step"/> before its reason (a step of a multi-step operation).</summary>
    public OpOutcome At(string step) => Error is null ? this : this with { Error = step + ": " + Error };
}
