using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;

namespace HealthLedger.Node.Security;

/// <summary>A logged-in user. Holds the user's unsealed keys until logout or expiry, then wipes them.</summary>
public sealed class UserSession : IDisposable
{
    internal UserSession(string token, string userId, Role role, string organisationId, UserKeys keys, bool mustChangePassword, DateTimeOffset expiresAt,
        SemaphoreSlim? signingGate = null)
    {
        SigningGate = signingGate ?? new SemaphoreSlim(1, 1);
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

    /// <summary>
    /// Serialises the transactions this user signs, so its nonces stay in order; shared by every session of the user's
    /// signing key (<see cref="SessionStore"/>) and with the sessions' <see cref="ForJob"/> copies, so two logins, or a job and
    /// its admin's own work, never take the same nonce. It holds no unmanaged
    /// resource (its wait handle is never asked for) and is not disposed, as a copy may still use it after a logout.
    /// </summary>
    internal SemaphoreSlim SigningGate { get; }

    /// <summary>
    /// A copy of this session for a background job (an import, a bulk export) that must outlive the request and the session
    /// itself: the same user, role and organisation, its own copy of the keys (wiped when the job disposes the copy) and the
    /// same signing gate. It is not in the session store: no token reaches it, and a logout, an idle timeout or a password
    /// change ends the session but not the job. The caller disposes it when the job ends.
    /// </summary>
    internal UserSession ForJob()
    {
        var secret = Keys.ExportSecret();
        try
        {
            return new UserSession("", UserId, Role, OrganisationId, UserKeys.FromSecret(secret), MustChangePassword, ExpiresAt, SigningGate) { LastUsed = LastUsed };
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => Keys.Dispose();
}
