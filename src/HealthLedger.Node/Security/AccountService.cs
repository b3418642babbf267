using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Core.Transactions.Kinds;
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

    /// <summary>The answer to the right password of a user whose registration this node submitted but the ledger has not committed yet.</summary>
    public const string RegistrationWaiting = "Your registration is still waiting for the ledger: you can sign in once it has committed. If this lasts, tell the hospital's administrator.";

    // Seals of nothing under random passwords, one at each cost a login can have: a login spends the work of both whatever the
    // account (below), so its time does not tell an unknown name, a one-time password and a chosen one apart.
    private readonly Lazy<SealedSecret> _decoy = new(() => Decoy(options.PasswordHashing));
    private readonly Lazy<SealedSecret> _oneTimeDecoy = new(() => Decoy(options.OneTimePasswordHashing));

    // One writer at a time per user's login (a password change, a reset): each reads the stored login, checks against it and
    // stores the next version, so two at once both answered success while only one of their passwords worked.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _loginWrites = new(StringComparer.Ordinal);

    private SemaphoreSlim LoginWrite(string userId) => _loginWrites.GetOrAdd(userId, static _ => new SemaphoreSlim(1, 1));

    // The other seal's cost after checking a login's own (a decoy at the cost that login does not have), so a login still on its
    // one-time password (cheaper to check) is not told apart by time.
    private void SpendTheOtherSeal(string password, ReplicatedLogin login) =>
        PasswordSealing.CheckPassword(password, login.Keys.Parameters == options.PasswordHashing ? _oneTimeDecoy.Value : _decoy.Value);

    private static SealedSecret Decoy(Argon2Parameters parameters) => PasswordSealing.Seal(Passwords.Generate(), new byte[UserKeys.SecretLength], [],
        RandomNumberGenerator.GetBytes(PasswordSealing.SaltLength), RandomNumberGenerator.GetBytes(PasswordSealing.NonceLength), parameters);

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
            return new LoginOutcome(null, PasswordCheckGate.Message, PasswordCheckGate.RetryAfter, Overloaded: true);
        }
        var user = node.GetState(StateKeys.User(userId)) is { } bytes ? UserRecord.TryDecode(bytes) : null;
        if (user is null && Find(userId) is { } waiting)
        {
            // A registration answered 202 (a network without quorum): its login is kept here until it commits. The right password
            // is told why it cannot sign in yet (it was "not correct", with the one-time password just handed over); a wrong one is
            // answered as any, after the same work, so nothing is learnt without the password.
            bool opens;
            using (var opened = Unseal(userId, waiting, password)) opens = opened is not null;
            SpendTheOtherSeal(password, waiting);
            Log.LoginFailed(logger, opens ? "registration not committed yet" : "wrong password");
            return new LoginOutcome(null, opens ? RegistrationWaiting : InvalidLogin);
        }
        // A user of another organisation has no login here: its wrapped login on the chain does not open with this node's key.
        if (user is null || user.OrganisationId != organisation.Id || Find(userId) is not { } entry)
        {
            // Spend the same Argon2id work as a real check, so the answer's timing does not reveal whether the user exists.
            PasswordSealing.CheckPassword(password, _decoy.Value);
            PasswordSealing.CheckPassword(password, _oneTimeDecoy.Value);
            Log.LoginFailed(logger, "unknown user");
            return new LoginOutcome(null, InvalidLogin);
        }
        var keys = Unseal(userId, entry, password);
        // …and the other seal's cost, so a login still on its one-time password (cheaper to check) is not told apart either.
        // Any seal not at the full cost (a one-time password, including one sealed at an earlier one-time cost) adds the full cost.
        SpendTheOtherSeal(password, entry);
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
    /// on success. Checks of the current password are rate-limited per account like logins: a refused one carries <c>RetryAfter</c>
    /// (answer 429, as a login refused for its account). When the node runs too many password checks at once the error carries
    /// <c>RetryAfter</c> and <c>Overloaded</c> (answer 503: the node is overloaded, not the caller at fault). The new login is published to the organisation's other
    /// nodes, and the answer waits (up to <see cref="PublishTimeout"/>) for its commit, after which the old password fails everywhere.
    /// </summary>
    public async Task<PasswordChangeError?> ChangePasswordAsync(UserSession session, string? current, string? replacement, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (string.IsNullOrEmpty(current)) return new PasswordChangeError("currentPassword", "Enter your current password.");
        if (string.IsNullOrEmpty(replacement)) return new PasswordChangeError("newPassword", "Enter a new password.");
        if (throttle.Refuse("password:" + session.UserId) is { } wait) return new PasswordChangeError("currentPassword", LoginThrottle.Message(wait), wait);
        var write = LoginWrite(session.UserId);
        await write.WaitAsync(ct);
        try
        {
            return await ChangeUnderGateAsync(session, current, replacement, ct);
        }
        finally
        {
            write.Release();
        }
    }

    // The change itself, under the user's login write gate (a concurrent change then checks its current password against
    // the login this one stored, and fails).
    private async Task<PasswordChangeError?> ChangeUnderGateAsync(UserSession session, string current, string replacement, CancellationToken ct)
    {
        using var slot = gate.TryEnter();
        if (slot is null) return new PasswordChangeError("currentPassword", PasswordCheckGate.Message, PasswordCheckGate.RetryAfter, Overloaded: true);
        var login = Find(session.UserId);
        using (var check = login is null ? null : Unseal(session.UserId, login, current))
        {
            if (check is null) return new PasswordChangeError("currentPassword", "The current password is not correct.");
        }
        if (Passwords.Problem(replacement) is { } problem) return new PasswordChangeError("newPassword", $"The new password is not accepted: {problem}.");
        if (replacement == current) return new PasswordChangeError("newPassword", "The new password must differ from the current one.");
        if (Passwords.ContainsUserName(replacement, session.UserId)) return new PasswordChangeError("newPassword", "The new password must not contain your user name.");
        var secret = session.Keys.ExportSecret();
        ReplicatedLogin changed;
        try
        {
            changed = new ReplicatedLogin(Seal(session.UserId, replacement, secret, options.PasswordHashing), false, login!.Escrow, login.Version + 1);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
        slot.Dispose();
        await StoreAsync(session.UserId, changed, ct);
        session.MustChangePassword = false;
        // Whoever else holds a session of this user (a stolen token, a forgotten browser) loses it with the old password.
        sessions.CloseAllOf(session.UserId, except: session.Token);
        Log.PasswordChanged(logger, session.UserId);
        return null;
    }

    /// <summary>
    /// Gives a user a new one-time password (they must change it at their next login), keeping their keys through the
    /// organisation's escrow. Ends the user's sessions. The caller checks that the actor may do this. Published to the
    /// organisation's other nodes like a password change.
    /// </summary>
    public async Task<string?> ResetPasswordAsync(string userId, CancellationToken ct)
    {
        var write = LoginWrite(userId);
        await write.WaitAsync(ct);
        try
        {
            return await ResetUnderGateAsync(userId, ct);
        }
        finally
        {
            write.Release();
        }
    }

    private async Task<string?> ResetUnderGateAsync(string userId, CancellationToken ct)
    {
        if (Find(userId) is not { Escrow: { } escrow } login) return null;
        var secret = KeyEscrow.Open(userId, escrow, organisation.Keys.Encryption);
        if (secret is null) return null;
        string oneTime;
        ReplicatedLogin reset;
        try
        {
            oneTime = Passwords.OneTime();
            reset = new ReplicatedLogin(Seal(userId, oneTime, secret, options.OneTimePasswordHashing), true, escrow, login.Version + 1);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
        await StoreAsync(userId, reset, ct);
        sessions.CloseAllOf(userId);
        Log.PasswordReset(logger, userId);
        return oneTime;
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
            var oneTime = Passwords.OneTime();
            keystore.Put(userId, Seal(userId, oneTime, secret, options.OneTimePasswordHashing), mustChangePassword: true, KeyEscrow.Seal(userId, secret, organisation.EncryptionKey), version: 1);
            return (UserKeys.FromSecret(secret), oneTime);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>
    /// Publishes a registered user's login (as stored here) on the chain, wrapped for the organisation, so the user can log in
    /// at any of its nodes. Called once the registration committed; password changes and resets publish by themselves.
    /// </summary>
    public async Task PublishLoginAsync(string userId, CancellationToken ct)
    {
        if (LocalLogin(userId) is { } login) await PublishAsync(userId, login, ct);
    }

    /// <summary>
    /// Publishes the logins this node holds that the chain does not hold yet at their version — the first admin made by
    /// <c>init</c>, <c>consortium up</c> or a join request, whose login no registration published; or a publication that did
    /// not commit in time — for users of this organisation registered on the chain, each as the chain's next version (a local
    /// login from before versions becomes version 1). A login the chain holds at its version or later, or that is not the next
    /// version (another node's newer one wins), is left alone. Returns how many are still not on the chain.
    /// </summary>
    public async Task<int> PublishPendingAsync(CancellationToken ct)
    {
        var pending = 0;
        foreach (var userId in keystore.UserIds())
        {
            if (node.GetState(StateKeys.User(userId)) is not { } bytes || UserRecord.TryDecode(bytes) is not { } user || user.OrganisationId != organisation.Id) continue;
            if (LocalLogin(userId) is not { } local) continue;
            var published = PublishedVersion(userId);
            var version = Math.Max(local.Version, 1);
            if (version != published + 1) continue;
            if (local.Version == 0)
            {
                keystore.Put(userId, local.Keys, local.MustChangePassword, local.Escrow, version);
                local = local with { Version = version };
            }
            await PublishAsync(userId, local, ct);
            if (PublishedVersion(userId) < version) pending++;
        }
        return pending;
    }

    private ulong PublishedVersion(string userId) =>
        node.GetState(StateKeys.Login(userId)) is { } bytes && SealLoginPayload.DecodeState(bytes) is { } published ? published.Version : 0;

    /// <summary>How long a password change, reset or registration waits for its login to commit before answering anyway.</summary>
    public static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The user's current login: the newer of this node's copy (<c>keystore.db</c>) and the one replicated on the chain
    /// (opened with the organisation's key); the chain's on a tie, so where two nodes published one version, the committed
    /// one wins everywhere. Null when the user has no login this organisation can open.
    /// </summary>
    public ReplicatedLogin? Find(string userId)
    {
        var local = LocalLogin(userId);
        if (node.GetState(StateKeys.Login(userId)) is { } bytes && SealLoginPayload.DecodeState(bytes) is { } published
            && published.Version >= (local?.Version ?? 0)
            && ReplicatedLogin.Open(userId, published.Version, published.Sealed, organisation.Keys.Encryption) is { } replicated)
        {
            return replicated;
        }
        return local;
    }

    private ReplicatedLogin? LocalLogin(string userId) =>
        keystore.Get(userId) is { } entry ? new ReplicatedLogin(entry.Keys, entry.MustChangePassword, keystore.GetEscrow(userId), keystore.Version(userId)) : null;

    private static UserKeys? Unseal(string userId, ReplicatedLogin login, string password)
    {
        if (!PasswordSealing.TryOpen(password, login.Keys, Keystore.Context(userId), out var secret)) return null;
        try
        {
            return UserKeys.FromSecret(secret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    // Keeps the new login here at once (this node answers with it before the block commits) and publishes it to the others.
    private async Task StoreAsync(string userId, ReplicatedLogin login, CancellationToken ct)
    {
        keystore.Put(userId, login.Keys, login.MustChangePassword, login.Escrow, login.Version);
        await PublishAsync(userId, login, ct);
    }

    private async Task PublishAsync(string userId, ReplicatedLogin login, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(PublishTimeout);
        try
        {
            await node.SubmitAsNodeAsync(new SealLoginPayload(userId, login.Version, login.Wrap(userId, organisation.EncryptionKey)), timeout.Token);
        }
        catch (InvalidOperationException e)
        {
            // Refused or rejected. When another node of the organisation published this version (or a later one) first, as
            // every node of a new cluster does with the first admin at its first start, the login is on the chain: nothing to
            // warn about (the chain's copy wins).
            if (PublishedVersion(userId) >= login.Version) return;
            Log.LoginNotPublished(logger, userId, login.Version, e.Message);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            Log.LoginNotPublished(logger, userId, login.Version, "not committed in time; it may still commit");
        }
    }

    /// <summary>
    /// Ends this node's sessions of a user whenever another node of the organisation publishes a new login for them (a password
    /// change or reset there), as a change here ends the user's other sessions here. Called once at start.
    /// </summary>
    public void FollowPublishedLogins() => node.BlockCommitted += block =>
    {
        var transactions = block.Built.Block.Transactions;
        for (var i = 0; i < transactions.Count; i++)
        {
            if (transactions[i] is { Kind: Core.Transactions.TxKind.SealLogin, Payload: SealLoginPayload login } tx && tx.Signer != node.NodeKey.PublicKey
                && block.Built.Execution.Receipts[i].Verdict == Core.Ledger.TxVerdict.Ok && login.Version > 1)
            {
                sessions.CloseAllOf(login.UserId);
            }
        }
    };

    /// <summary>Removes a login whose registration did not commit.</summary>
    public void ForgetLogin(string userId) => keystore.Remove(userId);

    private static SealedSecret Seal(string userId, string password, byte[] secret, Argon2Parameters parameters) =>
        PasswordSealing.Seal(password, secret, Keystore.Context(userId), RandomNumberGenerator.GetBytes(PasswordSealing.SaltLength),
            RandomNumberGenerator.GetBytes(PasswordSealing.NonceLength), parameters);
}
