using HealthLedger.Core.Records;

namespace HealthLedger.Node.Consent;

/// <summary>A grant as shown to people: the grant, who it is for, and whether it works now.</summary>
public sealed record GrantView(GrantState Grant, string GranteeName, bool Active);
