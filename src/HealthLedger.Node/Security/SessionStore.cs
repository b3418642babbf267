using System.Collections.Concurrent;
using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;

namespace HealthLedger.Node.Security;

/// <summary>In-memory sessions (keys never touch disk). A restart ends every session.</summary>
public sealed class SessionStore(TimeProvider clock) : IDisposable
{
    /// <summary>How long a session lasts.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    private readonly ConcurrentDictionary<string, UserSession> _sessions = new(StringComparer.Ordinal);

    /// <summary>Opens a session for a user whose keys were just unsealed.</summary>
    public UserSession Open(string userId, Role role, string organisationId, UserKeys keys, bool mustChangePassword)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        var session = new UserSession(token, userId, role, organisationId, keys, mustChangePassword, clock.GetUtcNow() + Lifetime);
        _sessions[token] = session;
        return session;
    }

    /// <summary>The live session for a token, or null (unknown or expired; an expired one is closed).</summary>
    public UserSession? Find(string? token)
    {
        if (token is null || !_sessions.TryGetValue(token, out var session)) return null;
        if (session.ExpiresAt > clock.GetUtcNow()) return session;
        Close(token);
        return null;
    }

    /// <summary>Ends a session and wipes its keys.</summary>
    public void Close(string token)
    {
        if (_sessions.TryRemove(token, out var session)) session.Dispose();
    }

    /// <summary>Ends every session of a user (after a password reset).</summary>
    public void CloseAllOf(string userId)
    {
        foreach (var (token, session) in _sessions)
        {
            if (session.UserId == userId) Close(token);
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var token in _sessions.Keys) Close(token);
    }
}
