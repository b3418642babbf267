namespace HealthLedger.Node.Configuration;

/// <summary>The organisation of a <see cref="JoinRequest"/>.</summary>
public sealed class JoinRequestOrganisation
{
    /// <summary>Organisation id (3–64 lower-case letters, digits, '.', '_', '-').</summary>
    public string? Id { get; set; }

    /// <summary>Display name.</summary>
    public string? Name { get; set; }

    /// <summary>hospital, laboratory, pharmacy, clinic or rescuer.</summary>
    public string? Type { get; set; }

    /// <summary>How to reach its administrators (one line; optional).</summary>
    public string? Contact { get; set; }

    /// <summary>Its Ed25519 public key (hex).</summary>
    public string? SigningKey { get; set; }

    /// <summary>Its X25519 public key (hex).</summary>
    public string? EncryptionKey { get; set; }
}
