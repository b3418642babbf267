namespace HealthLedger.Core.Ledger;

/// <summary>A verdict with a human reason (no PHI, no secrets).</summary>
/// <param name="Verdict">The verdict.</param>
/// <param name="Reason">Why; empty when accepted.</param>
public readonly record struct TxResult(TxVerdict Verdict, string Reason)
{
    /// <summary>Accepted.</summary>
    public static TxResult Ok { get; } = new(TxVerdict.Ok, string.Empty);

    /// <summary>True when accepted.</summary>
    public bool IsOk => Verdict == TxVerdict.Ok;

    /// <summary>A rejection.</summary>
    public static TxResult Reject(TxVerdict verdict, string reason) => new(verdict, reason);

    /// <summary>"Verdict: reason".</summary>
    public override string ToString() => IsOk ? "Ok" : $"{Verdict}: {Reason}";
}
