namespace HealthLedger.Node.Configuration;

/// <summary>The voting node of a <see cref="JoinRequest"/>'s organisation.</summary>
public sealed class JoinRequestNode
{
    /// <summary>Node id.</summary>
    public string? Id { get; set; }

    /// <summary>Ed25519 public key (hex) that signs its blocks and votes.</summary>
    public string? SigningKey { get; set; }

    /// <summary>Its peer (gRPC) endpoint, e.g. <c>http://10.0.0.7:5180</c>.</summary>
    public string? Address { get; set; }
}
