namespace HealthLedger.Node.Consortium;

/// <summary>An organisation's vote on a proposal.</summary>
public sealed class VoteInput
{
    /// <summary><c>approve</c> or <c>reject</c>.</summary>
    public string? Decision { get; set; }
}
