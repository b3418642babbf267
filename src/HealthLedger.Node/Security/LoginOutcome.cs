namespace HealthLedger.Node.Security;

/// <summary>The result of a login attempt.</summary>
/// <param name="Session">The new session, when the login succeeded.</param>
/// <param name="Error">Why not: a message safe to show (it never says whether the user exists).</param>
/// <param name="RetryAfter">When too many attempts were made (for the account or from the client): how long to wait.</param>
/// <param name="Overloaded">True when the node runs too many password checks at once (answer 503), false for a rate limit on the caller (429).</param>
public sealed record LoginOutcome(UserSession? Session, string? Error, TimeSpan? RetryAfter = null, bool Overloaded = false);
