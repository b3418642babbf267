using HealthLedger.Core.Emergencies;

namespace HealthLedger.Node.Emergencies;

/// <summary>The names the API gives break-glass reason codes (kebab case).</summary>
public static class BreakGlassReasons
{
    private static readonly Dictionary<BreakGlassReason, string> Names = new()
    {
        [BreakGlassReason.Unconscious] = "unconscious",
        [BreakGlassReason.LifeThreatening] = "life-threatening",
        [BreakGlassReason.MassCasualty] = "mass-casualty",
        [BreakGlassReason.Other] = "other",
    };

    /// <summary>Every name, in code order.</summary>
    public static string List => string.Join(", ", Names.Values);

    /// <summary>"unconscious" for <see cref="BreakGlassReason.Unconscious"/>.</summary>
    public static string Of(BreakGlassReason reason) => Names.TryGetValue(reason, out var name) ? name : reason.ToString();

    /// <summary>The reason named <paramref name="name"/> (case-insensitive), or null.</summary>
    public static BreakGlassReason? Parse(string? name) =>
        Names.FirstOrDefault(n => string.Equals(n.Value, name?.Trim(), StringComparison.OrdinalIgnoreCase)) is { Value: not null } found ? found.Key : null;
}
