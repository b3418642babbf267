using System.Globalization;
using HealthLedger.Node.Configuration;

namespace HealthLedger.Node.Records;

/// <summary>
/// The hospital's clock and time zone (<see cref="NodeOptions.TimeZone"/>, default UTC): instants are stored and answered in
/// UTC with an offset; a time typed without an offset is the hospital's local time; the UI shows local times and names the
/// zone. An instant may lie in the future by at most <see cref="NodeOptions.ClockSkew"/> (clocks differ by minutes, not hours).
/// </summary>
public sealed class HospitalTime
{
    private static readonly string[] LocalFormats = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss"];

    private static readonly DateTimeOffset Earliest = new(1950, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly TimeProvider _clock;

    private readonly string _shown;

    /// <summary>Reads the zone and the skew from the options.</summary>
    /// <exception cref="InvalidOperationException">The time zone is unknown or the skew is negative or above a day.</exception>
    public HospitalTime(NodeOptions options, TimeProvider clock)
    {
        _clock = clock;
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out var zone))
        {
            throw new InvalidOperationException($"Unknown time zone '{options.TimeZone}': use an IANA id such as 'UTC' or 'Europe/Berlin'.");
        }
        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromDays(1))
        {
            throw new InvalidOperationException($"The clock skew must be between 0 and 24 hours (it is {options.ClockSkew}).");
        }
        Zone = zone;
        Skew = options.ClockSkew;
        try
        {
            Culture = CultureInfo.GetCultureInfo(options.Hospital.Culture, predefinedOnly: true);
        }
        catch (CultureNotFoundException)
        {
            throw new InvalidOperationException($"hospital.culture: '{options.Hospital.Culture}' is not a known culture name (such as en-GB or de-DE).");
        }
        _shown = Culture.DateTimeFormat.ShortDatePattern + " " + Culture.DateTimeFormat.ShortTimePattern;
    }

    /// <summary>The hospital's culture, whose short date and time patterns the UI shows times in (<see cref="HospitalSettings.Culture"/>).</summary>
    public CultureInfo Culture { get; }

    /// <summary>The hospital's time zone.</summary>
    public TimeZoneInfo Zone { get; }

    /// <summary>How far in the future an instant may lie.</summary>
    public TimeSpan Skew { get; }

    /// <summary>The zone's name as the UI shows it (e.g. "UTC" or "Europe/Berlin").</summary>
    public string ZoneName => Zone.Id;

    /// <summary>Now, in UTC.</summary>
    public DateTimeOffset Now => _clock.GetUtcNow();

    /// <summary>Today in the hospital's zone.</summary>
    public DateOnly Today => DateOnly.FromDateTime(Local(Now).DateTime);

    /// <summary>An instant in the hospital's zone (the same instant, the zone's offset).</summary>
    public DateTimeOffset Local(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, Zone);

    /// <summary>
    /// An instant as the UI shows it: local date and time to the minute in the hospital culture's short patterns
    /// (30/11/2026 14:05 in en-GB, 30.11.2026 14:05 in de-DE). Display only: form values use <see cref="FormValue"/>.
    /// </summary>
    public string Show(DateTimeOffset at) => Local(at).ToString(_shown, Culture);

    /// <summary>
    /// An instant to the second, for ledger proofs and access events: local date in the hospital culture's short date pattern
    /// and time in its long time pattern (30/11/2026 14:05:07 in en-GB, 30.11.2026 14:05:07 in de-DE). Display only.
    /// </summary>
    public string ShowExact(DateTimeOffset at) => Local(at).ToString(Culture.DateTimeFormat.ShortDatePattern + " " + Culture.DateTimeFormat.LongTimePattern, Culture);

    /// <summary>The local time of day of an instant in the hospital culture's long time pattern (14:05:07). Display only.</summary>
    public string ShowClock(DateTimeOffset at) => Local(at).ToString(Culture.DateTimeFormat.LongTimePattern, Culture);

    /// <summary>A date as the UI shows it, in the hospital culture's short date pattern.</summary>
    public string ShowDate(DateOnly day) => day.ToString(Culture.DateTimeFormat.ShortDatePattern, Culture);

    /// <summary>An instant as a <c>datetime-local</c> form value (local, to the minute).</summary>
    public string FormValue(DateTimeOffset at) => Local(at).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    /// <summary>Now as a form's default value.</summary>
    public string FormNow() => FormValue(Now);

    /// <summary>The first instant of a local day, in UTC (day filters, grant expiries).</summary>
    public DateTimeOffset StartOfDay(DateOnly day) => FromLocal(day.ToDateTime(TimeOnly.MinValue));

    /// <summary>The instant of a local wall-clock time (the later one where a clock change repeats it; skipped times move forward).</summary>
    public DateTimeOffset FromLocal(DateTime local)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (Zone.IsInvalidTime(local)) local = local.AddMinutes(30);
        var offset = Zone.IsAmbiguousTime(local) ? Zone.GetAmbiguousTimeOffsets(local).Min() : Zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }

    /// <summary>
    /// Reads an instant: ISO 8601 with an offset (<c>2026-01-05T10:00+01:00</c>, <c>…Z</c>) or a local time of the hospital
    /// (<c>2026-01-05T10:00</c>). Adds a field error when it is missing (if required), unreadable, before 1950 or later than
    /// now plus the allowed skew. Returns the instant in UTC, or null.
    /// </summary>
    public DateTimeOffset? ReadInstant(FieldErrors errors, string field, string? text, bool required, string label)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (required) errors.Add(field, $"{label} is required.");
            return null;
        }
        return Parse(errors, field, text, label) is { } at ? Check(errors, field, at, label) : null;
    }

    /// <summary>
    /// Parses an instant as <see cref="ReadInstant"/> does, without the range checks; a date alone
    /// (<c>2026-01-05</c>) is the end of that day in the hospital's zone when <paramref name="dateIsEndOfDay"/> is set.
    /// </summary>
    public DateTimeOffset? Parse(FieldErrors errors, string field, string text, string label, bool dateIsEndOfDay = false)
    {
        text = text.Trim();
        if (DateTime.TryParseExact(text, LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)) return FromLocal(local);
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var withOffset) && HasOffset(text)) return withOffset.ToUniversalTime();
        if (dateIsEndOfDay && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)) return StartOfDay(day.AddDays(1)).AddSeconds(-1);
        errors.Add(field, $"{label} must be a date and time such as 2026-01-05T10:30 (hospital time, {ZoneName}) or 2026-01-05T09:30Z.");
        return null;
    }

    /// <summary>Checks an instant already read: not before 1950, not later than now plus the skew. Returns it in UTC, or null.</summary>
    public DateTimeOffset? Check(FieldErrors errors, string field, DateTimeOffset at, string label)
    {
        if (at > Now + Skew)
        {
            errors.Add(field, $"{label} cannot be in the future (more than {Skew.TotalMinutes:0} minutes after now, {Show(Now)} {ZoneName}).");
            return null;
        }
        if (at < Earliest)
        {
            errors.Add(field, $"{label} is too far in the past.");
            return null;
        }
        return at.ToUniversalTime();
    }

    private static bool HasOffset(string text)
    {
        var time = text.IndexOf('T', StringComparison.OrdinalIgnoreCase);
        if (time < 0) return false;
        var rest = text[(time + 1)..];
        return rest.EndsWith('Z') || rest.EndsWith('z') || rest.Contains('+', StringComparison.Ordinal) || rest.Contains('-', StringComparison.Ordinal);
    }
}
