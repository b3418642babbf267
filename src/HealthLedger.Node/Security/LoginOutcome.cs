namespace HealthLedger.Node.Security;

/// <summary>The result of a login attempt.</summary>
/// <param name="Session">The new session, when the login succeeded.</param>
/// <param name="Error">Why not: a message safe to show (it never says whether the user exists).</param>
/// <param name="RetryAfter">When too many attempts were made (for the account or from the client): how long to wait.</param>
public sealed record LoginOutcome(UserSession? Session, string? Error, TimeSpan? RetryAfter = null);
