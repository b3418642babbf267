namespace HealthLedger.Core.Model;

/// <summary>The kind of party a signing key belongs to.</summary>
public enum SignerKind : byte
{
    /// <summary>A user (admin, doctor, patient…).</summary>
    User = 1,
    /// <summary>An organisation.</summary>
    Organisation = 2,
    /// <summary>A node.</summary>
    Node = 3,
}
