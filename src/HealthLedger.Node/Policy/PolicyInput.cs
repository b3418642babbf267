using HealthLedger.Core.Model;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Policy;

/// <summary>A new network policy (replaces the current one; every field is required).</summary>
public sealed class PolicyInput
{
    /// <summary>
    /// The version the change replaces, as read (<c>version</c> of <c>GET /api/v1/policy</c>; or an <c>If-Match</c> header
    /// instead): required (400 without), and a policy changed meanwhile is 409 (<see cref="EditedVersion"/>). In a
    /// change-network-policy proposal it is optional: when given, the proposal applies only on top of that version.
    /// </summary>
    public int? Version { get; set; }

    /// <summary>Days the doctors of a stay keep access after the discharge (0–365).</summary>
    public int? CareAfterDischargeDays { get; set; }

    /// <summary>Days a visit recorded by the organisation gives its doctor access (1–365).</summary>
    public int? CareAfterVisitDays { get; set; }

    /// <summary>Checks that every field is there and in range (<see cref="NetworkPolicy.Problems"/>).</summary>
    public (NetworkPolicy? Policy, FieldErrors Errors) Validate()
    {
        var e = new FieldErrors();
        if (CareAfterDischargeDays is null) e.Add("careAfterDischargeDays", "Days of care after a discharge are required.");
        if (CareAfterVisitDays is null) e.Add("careAfterVisitDays", "Days of care after a visit are required.");
        if (!e.IsEmpty) return (null, e);
        var policy = new NetworkPolicy(CareAfterDischargeDays!.Value, CareAfterVisitDays!.Value);
        foreach (var (field, problem) in policy.Problems()) e.Add(field, char.ToUpperInvariant(problem[0]) + problem[1..] + ".");
        return e.IsEmpty ? (policy, e) : (null, e);
    }
}
