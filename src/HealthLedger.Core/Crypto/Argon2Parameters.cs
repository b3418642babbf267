namespace HealthLedger.Core.Crypto;

/// <summary>Argon2id cost parameters (parallelism is always 1, as libsodium requires).</summary>
/// <param name="MemoryKiB">Memory in KiB.</param>
/// <param name="Passes">Number of passes over memory.</param>
public sealed record Argon2Parameters(int MemoryKiB, int Passes)
{
    /// <summary>64 MiB, 3 passes: OWASP's recommended Argon2id setting and about 0.2 s on the target machine.</summary>
    public static Argon2Parameters Default { get; } = new(64 * 1024, 3);

    /// <summary>
    /// 8 MiB, 1 pass: for a one-time password the node generates (16 characters from 56, about 93 bits; see
    /// <c>Passwords.OneTime</c>), not for one a person chooses. A password hash's cost only has to make guessing dearer when
    /// the password can be guessed (NIST SP 800-63B §5.1.1.2, RFC 9106 §4): 2^93 random candidates are out of reach at any cost
    /// per guess, so the one-time seal keeps a memory-hard KDF at 1/24 of <see cref="Default"/>'s work (registrations were
    /// half of a node's CPU under the benchmark's hospital mix). The chosen password that replaces it at the first login is
    /// sealed with <see cref="Default"/>.
    /// </summary>
    public static Argon2Parameters OneTime { get; } = new(8 * 1024, 1);

    /// <summary>The cheapest setting accepted here (8 MiB, 1 pass); for tests only.</summary>
    public static Argon2Parameters TestOnly { get; } = new(8 * 1024, 1);
}
