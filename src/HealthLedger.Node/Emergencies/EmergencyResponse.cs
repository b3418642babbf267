using HealthLedger.Core.Emergencies;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Emergencies;

/// <summary>A declared emergency: scope, rescuers, categories, times and whether it is in force now. No PHI.</summary>
public sealed record EmergencyResponse(string Id, string Title, string? Area, IReadOnlyList<string> Scope, IReadOnlyList<string> Rescuers,
    IReadOnlyList<string> Categories, DateTimeOffset StartsAt, DateTimeOffset EndsAt, DateTimeOffset DeclaredAt, bool Active, bool EndedEarly)
{
    /// <summary>From the state, at host time <paramref name="now"/> (Unix ms).</summary>
    public static EmergencyResponse From(EmergencyState e, ulong now) => new(e.Id, e.Title, e.Area.Length == 0 ? null : e.Area, e.Scope, e.Rescuers,
        ConsentCategoryNames.Of(e.Categories), Time(e.StartsAt), Time(e.EndsAt), Time(e.DeclaredAt), e.IsActiveAt(now), e.EndedEarly);

    private static DateTimeOffset Time(ulong ms) => DateTimeOffset.FromUnixTimeMilliseconds((long)ms);
}
