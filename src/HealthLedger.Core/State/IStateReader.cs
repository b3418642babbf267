using System.Diagnostics.CodeAnalysis;

namespace HealthLedger.Core.State;

/// <summary>Read access to world-state entries by key.</summary>
public interface IStateReader
{
    /// <summary>Looks up <paramref name="key"/>.</summary>
    bool TryGet(string key, [NotNullWhen(true)] out byte[]? value);

    /// <summary>True when <paramref name="key"/> has a value (a state that does not hold every value answers without reading it).</summary>
    bool Contains(string key) => TryGet(key, out _);
}
