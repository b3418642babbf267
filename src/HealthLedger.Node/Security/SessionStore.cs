using System.Collections.Concurrent;
using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Node.Security;

/// <summary>
/// In-memory sessions (keys never touch disk). A restart ends every session; so does <see cref="Lifetime"/>, and so does
/// <see cref="Configuration.NodeOptions.SessionIdleTimeout"/> without use.
/// </summary>
public sealed class SessionStore(TimeProvider clock, Configuration.NodeOptions options) : IDisposable
{
    /// <summary>How long a session lasts.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    private readonly ConcurrentDictionary<string, UserSession> _sessions = new(StringComparer.Ordinal);

    // One signing gate per signing key, shared by every session of that user (two logins, the web UI next to the API), so
    // two sessions never take the same nonce. Kept for the node's life: one small semaphore per user who signed in.
    private readonly ConcurrentDictionary<SigningPublicKey, SemaphoreSlim> _signingGates = new();

    /// <summary>Opens a session for a user whose keys were just unsealed.</summary>
    public UserSession Open(string userId, Role role, string organisationId, UserKeys keys, bool mustChangePassword)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = clock.GetUtcNow();
        var gate = _signingGates.GetOrAdd(keys.Signing.PublicKey, static _ => new SemaphoreSlim(1, 1));
        var session = new UserSession(token, userId, role, organisationId, keys, mustChangePassword, now + Lifetime, gate) { LastUsed = now };
        _sessions[token] = session;
        return session;
    }

    /// <summary>The live session for a token, marked as used now; or null (unknown, expired or idle too long: such a one is closed).</summary>
    public UserSession? Find(string? token)
    {
        if (token is null || !_sessions.TryGetValue(token, out var session)) return null;
        var now = clock.GetUtcNow();
        if (session.ExpiresAt > now && now - session.LastUsed <= options.SessionIdleTimeout)
        {
            session.LastUsed = now;
            return session;
        }
        Close(token);
        return null;
    }

    /// <summary>Ends a session and wipes its keys.</summary>
    public void Close(string token)
    {
        if (_sessions.TryRemove(token, out var session)) session.Dispose();
    }

    /// <summary>Ends every session of a user (after a password reset or change), but <paramref name="except"/>.</summary>
    public void CloseAllOf(string userId, string? except = null)
    {
        foreach (var (token, session) in _sessions)
        {
            if (session.UserId == userId && token != except) Close(token);
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var token in _sessions.Keys) Close(token);
    }
}
