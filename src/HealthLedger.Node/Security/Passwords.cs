using System.Security.Cryptography;

namespace HealthLedger.Node.Security;

/// <summary>Password rules and generated passwords (the first admin's, one-time passwords, the timing decoys).</summary>
public static class Passwords
{
    /// <summary>The shortest password accepted.</summary>
    public const int MinLength = 10;

    /// <summary>
    /// The longest password accepted (NIST SP 800-63B §5.1.1.2 asks for at least 64): a longer one could be set but never
    /// typed into a login, whose body is capped at <see cref="Web.RequestBodyLimits.Anonymous"/> bytes.
    /// </summary>
    public const int MaxLength = 256;

    /// <summary>
    /// Why a password is not acceptable (fewer than <see cref="MinLength"/> or more than <see cref="MaxLength"/> characters,
    /// fewer than 5 different ones, or containing <paramref name="userName"/>, ignoring case: a context-specific word NIST SP
    /// 800-63B §5.1.1.2 asks verifiers to refuse), or null when it is acceptable. The message completes "… is not accepted: ".
    /// </summary>
    /// <param name="password">The password as typed (Unicode scalar values are counted, not UTF-16 units).</param>
    /// <param name="userName">The user it is for, when known (the first admin of a network or of a join request; a password
    /// change checks <see cref="ContainsUserName"/> itself, for its own localised message).</param>
    public static string? Problem(string password, string? userName = null)
    {
        ArgumentNullException.ThrowIfNull(password);
        // Characters are Unicode scalar values (an emoji is one, not two UTF-16 units). 256 of them are at most 1 KiB of
        // UTF-8, or 3 KiB escaped in JSON: well within a login's body.
        var length = password.EnumerateRunes().Count();
        if (length < MinLength) return $"it must have at least {MinLength} characters";
        if (length > MaxLength) return $"it may have at most {MaxLength} characters";
        if (password.Distinct().Count() < 5) return "it must use at least 5 different characters";
        if (userName is not null && ContainsUserName(password, userName)) return $"it must not contain the user name '{userName}'";
        return null;
    }

    /// <summary>Whether <paramref name="password"/> contains <paramref name="userName"/> (non-empty), ignoring case.</summary>
    public static bool ContainsUserName(string password, string userName) =>
        userName.Length > 0 && password.Contains(userName, StringComparison.OrdinalIgnoreCase);

    /// <summary>A 20-character password from an alphabet without look-alike characters (about 115 bits).</summary>
    public static string Generate() =>
        RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20);

    /// <summary>Length of a one-time password.</summary>
    public const int OneTimeLength = 20;

    /// <summary>
    /// A one-time password for a new or reset login: <see cref="OneTimeLength"/> characters of <see cref="Generate"/> (about
    /// 116 bits, at least NIST SP 800-63B's 112 for a secret stored under a plain one-way function), so that its seal needs
    /// only <see cref="Core.Crypto.Argon2Parameters.OneTime"/>'s cost.
    /// </summary>
    public static string OneTime() => Generate()[..OneTimeLength];
}
