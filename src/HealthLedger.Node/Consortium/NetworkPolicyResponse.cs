namespace HealthLedger.Node.Consortium;

/// <summary>A change-network-policy proposal's network policy: the care periods in days.</summary>
/// <param name="CareAfterDischargeDays">Days the doctors of a stay keep access after the discharge (0–365).</param>
/// <param name="CareAfterVisitDays">Days a visit recorded by the organisation gives its doctor access (1–365).</param>
public sealed record NetworkPolicyResponse(int CareAfterDischargeDays, int CareAfterVisitDays);
