using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Ledger;
using HealthLedger.Storage;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Security;

/// <summary>
/// Logins, password changes and resets. Keys are unsealed only into a session. Password checks are rate-limited per account
/// name (<see cref="LoginThrottle"/>) with the same answer for real and unknown accounts; no account is ever locked. How many
/// run at once is bounded by <see cref="PasswordCheckGate"/>.
/// </summary>
public sealed class AccountService(Keystore keystore, OrganisationKeys organisation, LedgerNode node, SessionStore sessions,
    NodeOptions options, LoginThrottle throttle, PasswordCheckGate gate, ILogger<AccountService> logger)
{
    private const string InvalidLogin = "The user name or password is not correct.";

    private readonly Lazy<SealedSecret> _decoy = new(() => PasswordSealing.Seal(Passwords.Generate(), new byte[UserKeys.SecretLength], [],
        RandomNumberGenerator.GetBytes(PasswordSealing.SaltLength), RandomNumberGenerator.GetBytes(PasswordSealing.NonceLength), options.PasswordHashing));

    /// <summary>Checks a password and opens a session.</summary>
    public LoginOutcome Login(string? username, string? password)
    {
        var userId = (username ?? "").Trim().ToLowerInvariant();
        if (userId.Length == 0 || string.IsNullOrEmpty(password)) return new LoginOutcome(null, InvalidLogin);
        // Counted before anything is looked up, for every name alike: the answer does not tell real accounts from unknown ones.
        if (throttle.Refuse("login:" + userId) is { } wait)
        {
            Log.LoginFailed(logger, "too many attempts for the account");
            return new LoginOutcome(null, LoginThrottle.Message(wait), wait);
        }
        using var slot = gate.TryEnter();
        if (slot is null)
        {
            Log.LoginFailed(logger, "too many password checks at once");
            return new LoginOutcome(null, PasswordCheckGate.Message, PasswordCheckGate.RetryAfter);
        }
        var user = node.GetState(StateKeys.User(userId)) is { } bytes ? UserRecord.TryDecode(bytes) : null;
        if (user is null || keystore.Get(userId) is not { } entry)
        {
            // Spend the same Argon2id work as a real check, so the answer's timing does not reveal whether the user exists.
            PasswordSealing.CheckPassword(password, _decoy.Value);
            Log.LoginFailed(logger, "unknown user");
            return new LoginOutcome(null, InvalidLogin);
        }
        var keys = keystore.Unseal(userId, password);
        if (keys is null)
        {
            Log.LoginFailed(logger, "wrong password");
            return new LoginOutcome(null, InvalidLogin);
        }
        Log.LoggedIn(logger, userId, user.Role);
        return new LoginOutcome(sessions.Open(userId, user.Role, user.OrganisationId, keys, entry.MustChangePassword), null);
    }

    /// <summary>
    /// Replaces the session user's password and ends the user's other sessions (web and bearer); returns a field error, or null
    /// on success. Checks of the current password are rate-limited per account like logins. When the node runs too many password
    /// checks at once the error carries <c>RetryAfter</c> (answer 429).
    /// </summary>
    public (string Field, string Message, TimeSpan? RetryAfter)? ChangePassword(UserSession session, string? current, string? replacement)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (string.IsNullOrEmpty(current)) return ("currentPassword", "Enter your current password.", null);
        if (string.IsNullOrEmpty(replacement)) return ("newPassword", "Enter a new password.", null);
        if (throttle.Refuse("password:" + session.UserId) is { } wait) return ("currentPassword", LoginThrottle.Message(wait), null);
        using var slot = gate.TryEnter();
        if (slot is null) return ("currentPassword", PasswordCheckGate.Message, PasswordCheckGate.RetryAfter);
        using (var check = keystore.Unseal(session.UserId, current))
        {
            if (check is null) return ("currentPassword", "The current password is not correct.", null);
        }
        if (Passwords.Problem(replacement) is { } problem) return ("newPassword", $"The new password is too weak: {problem}.", null);
        if (replacement == current) return ("newPassword", "The new password must differ from the current one.", null);
        if (replacement.Contains(session.UserId, StringComparison.OrdinalIgnoreCase)) return ("newPassword", "The new password must not contain your user name.", null);
        var secret = session.Keys.ExportSecret();
        try
        {
            keystore.Put(session.UserId, Seal(session.UserId, replacement, secret), mustChangePassword: false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
        session.MustChangePassword = false;
        // Whoever else holds a session of this user (a stolen token, a forgotten browser) loses it with the old password.
        sessions.CloseAllOf(session.UserId, except: session.Token);
        Log.PasswordChanged(logger, session.UserId);
        return null;
    }

    /// <summary>
    /// Gives a user a new one-time password (they must change it at their next login), keeping their keys through the
    /// organisation's escrow. Ends the user's sessions. The caller checks that the actor may do this.
    /// </summary>
    public string? ResetPassword(string userId)
    {
        if (keystore.GetEscrow(userId) is not { } escrow) return null;
        var secret = KeyEscrow.Open(userId, escrow, organisation.Keys.Encryption);
        if (secret is null) return null;
        try
        {
            var oneTime = Passwords.Generate()[..12];
            keystore.Put(userId, Seal(userId, oneTime, secret), mustChangePassword: true);
            sessions.CloseAllOf(userId);
            Log.PasswordReset(logger, userId);
            return oneTime;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>
    /// Makes keys and a one-time password for a new user and stores them (sealed, with escrow). The caller registers the
    /// public keys on the chain, and calls <see cref="ForgetLogin"/> if that fails.
    /// </summary>
    public (UserKeys Keys, string OneTimePassword) PrepareLogin(string userId)
    {
        var secret = RandomNumberGenerator.GetBytes(UserKeys.SecretLength);
        try
        {
            var oneTime = Passwords.Generate()[..12];
            keystore.Put(userId, Seal(userId, oneTime, secret), mustChangePassword: true, KeyEscrow.Seal(userId, secret, organisation.EncryptionKey));
            return (UserKeys.FromSecret(secret), oneTime);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>Removes a login whose registration did not commit.</summary>
    public void ForgetLogin(string userId) => keystore.Remove(userId);

    private SealedSecret Seal(string userId, string password, byte[] secret) =>
        PasswordSealing.Seal(password, secret, Keystore.Context(userId), RandomNumberGenerator.GetBytes(PasswordSealing.SaltLength),
            RandomNumberGenerator.GetBytes(PasswordSealing.NonceLength), options.PasswordHashing);
}
