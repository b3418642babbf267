using System.Diagnostics.CodeAnalysis;

namespace HealthLedger.Core.State;

/// <summary>
/// Buffered writes over a read-only parent. Transactions run on their own overlay, which is merged into the
/// block's overlay only when the transaction is accepted, so a rejected transaction never changes state.
/// </summary>
public sealed class StateOverlay(IStateReader parent) : IStateReader
{
    private readonly Dictionary<string, byte[]?> _writes = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public bool TryGet(string key, [NotNullWhen(true)] out byte[]? value)
    {
        if (_writes.TryGetValue(key, out value)) return value is not null;
        return parent.TryGet(key, out value);
    }

    /// <summary>True when <paramref name="key"/> has a value (asked of the parent when not written here, without reading it).</summary>
    public bool Contains(string key) => _writes.TryGetValue(key, out var value) ? value is not null : parent.Contains(key);

    /// <summary>Sets a value.</summary>
    public void Set(string key, byte[] value) => _writes[key] = value;

    /// <summary>Deletes a value.</summary>
    public void Delete(string key) => _writes[key] = null;

    /// <summary>Copies these writes into <paramref name="target"/>.</summary>
    public void MergeInto(StateOverlay target)
    {
        foreach (var (key, value) in _writes) target._writes[key] = value;
    }

    /// <summary>The writes as a change set.</summary>
    public StateChangeSet ToChangeSet() => new(_writes);
}
