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
    /// Why a password is not acceptable (fewer than <see cref="MinLength"/> or more than <see cref="MaxLength"/> characters, or
    /// fewer than 5 different ones), or null when it is acceptable.
    /// </summary>
    public static string? Problem(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        // Characters are Unicode scalar values (an emoji is one, not two UTF-16 units). 256 of them are at most 1 KiB of
        // UTF-8, or 3 KiB escaped in JSON: well within a login's body.
        var length = password.EnumerateRunes().Count();
        if (length < MinLength) return $"it must have at least {MinLength} characters";
        if (length > MaxLength) return $"it may have at most {MaxLength} characters";
        if (password.Distinct().Count() < 5) return "it must use at least 5 different characters";
        return null;
    }

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
