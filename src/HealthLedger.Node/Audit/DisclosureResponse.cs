namespace HealthLedger.Node.Audit;

/// <summary>One disclosure event as the API shows it: who read what of whose record, why, allowed or denied, when, and the block that holds it.</summary>
public sealed record DisclosureResponse(string ActorId, string ActorRole, string PatientId, string Resource, string Purpose, string Outcome, DateTimeOffset At, ulong Height)
{
    public static DisclosureResponse From(DisclosureView d) => new(d.Event.ActorId, d.Event.ActorRole, d.Event.PatientId, d.Event.Resource, d.Event.Purpose,
        d.Event.Allowed ? "allowed" : "denied", DateTimeOffset.FromUnixTimeMilliseconds((long)d.Event.At), d.Height);
}
