namespace HealthLedger.Node.Pharmacy;

/// <summary>Expiry dates as the chain holds them: days since 1970-01-01 (UTC), see <see cref="Core.Records.Pharmacy.Day"/>.</summary>
public static class PharmacyDates
{
    private static readonly int Epoch = new DateOnly(1970, 1, 1).DayNumber;

    /// <summary>The date of a chain day.</summary>
    public static DateOnly ToDate(int day) => DateOnly.FromDayNumber(Epoch + day);

    /// <summary>The chain day of a date.</summary>
    public static int ToDay(DateOnly date) => date.DayNumber - Epoch;
}
