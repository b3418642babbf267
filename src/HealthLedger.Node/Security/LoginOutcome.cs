namespace HealthLedger.Node.Security;

/// <summary>The result of a login attempt.</summary>
/// <param name="Session">The new session, when the login succeeded.</param>
/// <param name="Error">Why not: a message safe to show (it never says whether the user exists).</param>
/// <param name="LockedUntil">When the account unlocks, if it is locked.</param>
public sealed record LoginOutcome(UserSession? Session, string? Error, DateTimeOffset? LockedUntil = null);
