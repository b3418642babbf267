namespace HealthLedger.Node.Configuration;

/// <summary>The first admin of a <see cref="JoinRequest"/>'s organisation.</summary>
public sealed class JoinRequestAdmin
{
    /// <summary>User id.</summary>
    public string? Id { get; set; }

    /// <summary>Ed25519 public key (hex).</summary>
    public string? SigningKey { get; set; }

    /// <summary>X25519 public key (hex).</summary>
    public string? EncryptionKey { get; set; }
}
