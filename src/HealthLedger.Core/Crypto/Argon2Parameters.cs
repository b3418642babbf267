namespace HealthLedger.Core.Crypto;

/// <summary>Argon2id cost parameters (parallelism is always 1, as libsodium requires).</summary>
/// <param name="MemoryKiB">Memory in KiB.</param>
/// <param name="Passes">Number of passes over memory.</param>
public sealed record Argon2Parameters(int MemoryKiB, int Passes)
{
    /// <summary>64 MiB, 3 passes: OWASP's recommended Argon2id setting and about 0.2 s on the target machine.</summary>
    public static Argon2Parameters Default { get; } = new(64 * 1024, 3);

    /// <summary>
    /// 64 KiB, 1 pass (Argon2id near its minimum, about 0.1 ms): for a one-time password the node generates (20 characters
    /// from 56, about 116 bits; see <c>Passwords.OneTime</c>), never for one a person chooses. A secret of at least 112 bits
    /// needs only an approved one-way function, no costly key derivation (NIST SP 800-63B §5.1.2.2, look-up secrets; RFC 9106
    /// §4: the cost only makes guessing dearer when the secret can be guessed): 2^116 random candidates are out of reach at
    /// any cost per guess. The chosen password that replaces it at the first login is sealed with <see cref="Default"/>.
    /// (From 2026-12-02 to 2026-12-03 it was 16 characters sealed at 8 MiB, 1 pass: still about 9% of a node's CPU under the
    /// benchmark's hospital mix, where 1 operation in 108 registers a patient. Seals made then still open: the cost is
    /// stored with each seal.)
    /// </summary>
    public static Argon2Parameters OneTime { get; } = new(64, 1);

    /// <summary>8 MiB, 1 pass: a cheap setting for tests of chosen passwords; for tests only.</summary>
    public static Argon2Parameters TestOnly { get; } = new(8 * 1024, 1);
}
