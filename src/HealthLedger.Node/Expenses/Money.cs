namespace HealthLedger.Node.Expenses;

/// <summary>Amounts of the hospital's currency as the chain keeps them: whole minor units (cents).</summary>
public static class Money
{
    /// <summary>Minor units to an amount with two decimals.</summary>
    public static decimal FromMinor(long minor) => minor / 100m;

    /// <summary>An amount with at most two decimals to minor units.</summary>
    public static long ToMinor(decimal amount) => (long)decimal.Round(amount * 100m);

    /// <summary>True when <paramref name="amount"/> has at most two decimals.</summary>
    public static bool HasCents(decimal amount) => decimal.Round(amount, 2) == amount;
}
