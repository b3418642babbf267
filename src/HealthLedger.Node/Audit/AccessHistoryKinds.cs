namespace HealthLedger.Node.Audit;

/// <summary>The kinds of <see cref="AccessHistoryEvent"/> and their labels.</summary>
public static class AccessHistoryKinds
{
    public const string Read = "read";
    public const string Refused = "refused";
    public const string Grant = "grant";
    public const string Revocation = "revocation";
    public const string RequestApproved = "request-approved";
    public const string RequestDeclined = "request-declined";
    public const string BreakGlass = "break-glass";

    /// <summary>Every kind, in the order the filter offers them.</summary>
    public static readonly IReadOnlyList<string> All = [Read, Refused, Grant, Revocation, RequestApproved, RequestDeclined, BreakGlass];

    /// <summary>The kind in words.</summary>
    public static string Label(string kind) => kind switch
    {
        Read => "read",
        Refused => "refused attempt",
        Grant => "access granted",
        Revocation => "access revoked",
        RequestApproved => "access request approved",
        RequestDeclined => "access request declined",
        BreakGlass => "break-glass access",
        _ => kind,
    };
}
