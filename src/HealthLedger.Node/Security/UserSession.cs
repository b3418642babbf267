using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;

namespace HealthLedger.Node.Security;

/// <summary>A logged-in user. Holds the user's unsealed keys until logout or expiry, then wipes them.</summary>
public sealed class UserSession : IDisposable
{
    internal UserSession(string token, string userId, Role role, string organisationId, UserKeys keys, bool mustChangePassword, DateTimeOffset expiresAt)
    {
        Token = token;
        UserId = userId;
        Role = role;
        OrganisationId = organisationId;
        Keys = keys;
        MustChangePassword = mustChangePassword;
        ExpiresAt = expiresAt;
    }

    /// <summary>The bearer token / cookie session id.</summary>
    public string Token { get; }

    /// <summary>User id.</summary>
    public string UserId { get; }

    /// <summary>Role.</summary>
    public Role Role { get; }

    /// <summary>Organisation.</summary>
    public string OrganisationId { get; }

    /// <summary>The user's keys (signing, decryption).</summary>
    public UserKeys Keys { get; }

    /// <summary>True until the user replaces a one-time password.</summary>
    public bool MustChangePassword { get; internal set; }

    /// <summary>When the session ends.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>When the session was last used (its idle timeout counts from here).</summary>
    public DateTimeOffset LastUsed
    {
        get => new(Interlocked.Read(ref _lastUsedTicks), TimeSpan.Zero);
        internal set => Interlocked.Exchange(ref _lastUsedTicks, value.UtcTicks);
    }

    private long _lastUsedTicks;

    /// <summary>Serialises the transactions this session signs, so its nonces stay in order.</summary>
    internal SemaphoreSlim SigningGate { get; } = new(1, 1);

    /// <inheritdoc/>
    public void Dispose()
    {
        Keys.Dispose();
        SigningGate.Dispose();
    }
}
