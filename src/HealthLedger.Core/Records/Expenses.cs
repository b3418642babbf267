using System.Text.RegularExpressions;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.State;

namespace HealthLedger.Core.Records;

/// <summary>
/// The rules of hospital expenses shared by the state machine (at block time) and the node's door: amounts in minor units
/// (cents) of the hospital's currency, the approval threshold (default <see cref="DefaultThresholdMinor"/>), the categories,
/// payment methods, the department label rule and budget months. Pure: days and months come from the caller.
/// </summary>
public static partial class Expenses
{
    /// <summary>The threshold when the organisation set none: 1,000.00 (100,000 minor units). An expense above it waits for a second admin.</summary>
    public const long DefaultThresholdMinor = 100_000;

    /// <summary>Largest amount of one expense, one budget or the threshold: 100,000,000.00 (10^10 minor units).</summary>
    public const long MaxAmountMinor = 10_000_000_000;

    /// <summary>Expense categories, as stored on the chain.</summary>
    public static readonly IReadOnlyList<string> Categories = ["supplies", "pharmaceuticals", "equipment", "maintenance", "utilities", "salaries", "services", "rent", "other"];

    /// <summary>Payment methods, as stored on the chain.</summary>
    public static readonly IReadOnlyList<string> PaymentMethods = ["bank-transfer", "card", "cash", "cheque"];

    /// <summary>Explains <see cref="IsDepartment"/>.</summary>
    public const string DepartmentRule = "2 to 60 characters: letters, digits, spaces and & . , ' ( ) -, starting with a letter or digit";

    /// <summary>Largest day accepted (9999-12-31).</summary>
    public const int MaxDay = 2_932_896;

    /// <summary>An expense may be dated at most this many days after the block's UTC day (a hospital east of UTC is already on the next day).</summary>
    public const int FutureDaysAllowed = 1;

    /// <summary>True when <paramref name="department"/> follows <see cref="DepartmentRule"/>.</summary>
    public static bool IsDepartment(string? department) => department is not null && DepartmentPattern().IsMatch(department);

    /// <summary>The department as budgets and reports group it (trimmed, lower case).</summary>
    public static string DepartmentKey(string department) => department.Trim().ToLowerInvariant();

    /// <summary>True for a month yyyymm from 2000-01 to 9999-12.</summary>
    public static bool IsMonth(int yyyymm) => yyyymm / 100 is >= 2000 and <= 9999 && yyyymm % 100 is >= 1 and <= 12;

    /// <summary>The state key of an organisation's approval threshold (a var-uint of minor units).</summary>
    public static string PolicyKey(string organisationId) => "expensepolicy/" + organisationId;

    /// <summary>The organisation's approval threshold in minor units (<see cref="DefaultThresholdMinor"/> when none was set).</summary>
    public static long Threshold(IStateReader state, string organisationId)
    {
        if (!state.TryGet(PolicyKey(organisationId), out var bytes)) return DefaultThresholdMinor;
        var r = new CanonicalReader(bytes);
        return r.VarUInt(out var value, (ulong)MaxAmountMinor, "threshold") && r.End() ? (long)value : DefaultThresholdMinor;
    }

    /// <summary>The state encoding of a threshold.</summary>
    public static byte[] EncodeThreshold(long minor) => new CanonicalWriter(10).VarUInt((ulong)minor).ToArray();

    [GeneratedRegex(@"^[\p{L}\p{N}][\p{L}\p{N} &.,'()\-]{1,59}$", RegexOptions.CultureInvariant)]
    private static partial Regex DepartmentPattern();
}
