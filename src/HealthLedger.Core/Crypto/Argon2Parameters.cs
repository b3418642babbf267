namespace HealthLedger.Core.Crypto;

/// <summary>Argon2id cost parameters (parallelism is always 1, as libsodium requires).</summary>
/// <param name="MemoryKiB">Memory in KiB.</param>
/// <param name="Passes">Number of passes over memory.</param>
public sealed record Argon2Parameters(int MemoryKiB, int Passes)
{
    /// <summary>64 MiB, 3 passes: OWASP's recommended Argon2id setting and about 0.2 s on the target machine.</summary>
    public static Argon2Parameters Default { get; } = new(64 * 1024, 3);

    /// <summary>The cheapest setting accepted here (8 MiB, 1 pass); for tests only.</summary>
    public static Argon2Parameters TestOnly { get; } = new(8 * 1024, 1);
}
