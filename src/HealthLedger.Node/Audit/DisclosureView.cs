using HealthLedger.Core.Records;

namespace HealthLedger.Node.Audit;

/// <summary>A recorded disclosure with the block that holds it.</summary>
public sealed record DisclosureView(DisclosureEvent Event, ulong Height);
