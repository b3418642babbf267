namespace HealthLedger.Storage;

/// <summary>Counts stored rows that belong to no block (a sign of tampering).</summary>
public sealed class OrphanCounter
{
    /// <summary>Rows found so far.</summary>
    public long Count { get; private set; }

    internal void Add() => Count++;
}
