namespace HealthLedger.Node.Consortium;

/// <summary>A node as an add-node or replace-node proposal wants it.</summary>
public sealed class ProposalNodeInput
{
    /// <summary>Node id.</summary>
    public string? Id { get; set; }

    /// <summary>Its organisation (default: the proposer's).</summary>
    public string? OrganisationId { get; set; }

    /// <summary>Its Ed25519 public key (hex).</summary>
    public string? SigningKey { get; set; }

    /// <summary>Its peer endpoint (http(s)://host:port), checked to answer before an add-node is proposed.</summary>
    public string? Address { get; set; }
}
