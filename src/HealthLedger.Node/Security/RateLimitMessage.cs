namespace HealthLedger.Node.Security;

/// <summary>
/// What a 429 of one rate-limiting policy says (registered as a singleton per policy; <see cref="LoginThrottle"/>'s rejection
/// answer picks the endpoint's policy's message, so a refused public-directory read or break-glass attempt is not told
/// about login attempts).
/// </summary>
/// <param name="Policy">The policy name.</param>
/// <param name="Text">The message for the time left until the next permit.</param>
public sealed record RateLimitMessage(string Policy, Func<TimeSpan, string> Text);
