using System.Globalization;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.VitalSigns;

/// <summary>A vital-signs form / request body: when, and at least one measurement within the range a living patient can have.</summary>
public sealed class VitalSignsInput
{
    /// <summary>When the measurements were taken (not in the future).</summary>
    public string? TakenAt { get; set; }

    /// <summary>Body temperature, °C (25–45).</summary>
    public decimal? TemperatureCelsius { get; set; }

    /// <summary>Heart rate per minute (20–250).</summary>
    public int? HeartRate { get; set; }

    /// <summary>Systolic blood pressure, mm Hg (50–260); given with the diastolic.</summary>
    public int? SystolicMmHg { get; set; }

    /// <summary>Diastolic blood pressure, mm Hg (20–160), below the systolic.</summary>
    public int? DiastolicMmHg { get; set; }

    /// <summary>Respiratory rate per minute (4–60).</summary>
    public int? RespiratoryRate { get; set; }

    /// <summary>Oxygen saturation, % (50–100).</summary>
    public int? OxygenSaturation { get; set; }

    /// <summary>Body weight, kg (0.3–400).</summary>
    public decimal? WeightKg { get; set; }

    /// <summary>Remarks, at most 1,000 characters.</summary>
    public string? Notes { get; set; }

    /// <summary>Checks every field against the hospital's clock and zone; the details when all pass, otherwise the field errors.</summary>
    public (VitalSignsDetails? Details, FieldErrors Errors) Validate(HospitalTime time)
    {
        var e = new FieldErrors();
        var at = time.ReadInstant(e, "takenAt", TakenAt, true, "The time taken");
        Range(e, "temperatureCelsius", TemperatureCelsius, 25m, 45m, "°C");
        Range(e, "heartRate", HeartRate, 20, 250, "per minute");
        Range(e, "systolicMmHg", SystolicMmHg, 50, 260, "mm Hg");
        Range(e, "diastolicMmHg", DiastolicMmHg, 20, 160, "mm Hg");
        Range(e, "respiratoryRate", RespiratoryRate, 4, 60, "per minute");
        Range(e, "oxygenSaturation", OxygenSaturation, 50, 100, "%");
        Range(e, "weightKg", WeightKg, 0.3m, 400m, "kg");
        if (SystolicMmHg.HasValue != DiastolicMmHg.HasValue)
        {
            e.Add(SystolicMmHg.HasValue ? "diastolicMmHg" : "systolicMmHg", "A blood pressure needs both the systolic and the diastolic value.");
        }
        else if (SystolicMmHg is { } sys && DiastolicMmHg is { } dia && dia >= sys)
        {
            e.Add("diastolicMmHg", "The diastolic pressure must be below the systolic.");
        }
        if (TemperatureCelsius is null && HeartRate is null && SystolicMmHg is null && DiastolicMmHg is null && RespiratoryRate is null
            && OxygenSaturation is null && WeightKg is null)
        {
            e.Add("heartRate", "Enter at least one measurement.");
        }
        var notes = FieldRules.Text(e, "notes", Notes, 1000, false, "Notes", multiline: true);
        if (!e.IsEmpty) return (null, e);
        return (new VitalSignsDetails
        {
            TakenAt = at!.Value,
            TemperatureCelsius = TemperatureCelsius,
            HeartRate = HeartRate,
            SystolicMmHg = SystolicMmHg,
            DiastolicMmHg = DiastolicMmHg,
            RespiratoryRate = RespiratoryRate,
            OxygenSaturation = OxygenSaturation,
            WeightKg = WeightKg,
            Notes = notes,
        }, e);
    }

    private static void Range<T>(FieldErrors e, string field, T? value, T min, T max, string unit) where T : struct, IComparable<T>, IFormattable
    {
        if (value is { } v && (v.CompareTo(min) < 0 || v.CompareTo(max) > 0))
        {
            e.Add(field, $"Must be from {min.ToString(null, CultureInfo.InvariantCulture)} to {max.ToString(null, CultureInfo.InvariantCulture)} {unit}.");
        }
    }
}
