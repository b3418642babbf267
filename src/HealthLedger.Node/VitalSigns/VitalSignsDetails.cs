namespace HealthLedger.Node.VitalSigns;

/// <summary>
/// One set of vital signs (PHI, only ever stored encrypted). Each measurement is optional, at least one is present. Units
/// follow the HL7 FHIR vital-signs profile (LOINC code in brackets): body temperature °C (8310-5), heart rate per minute
/// (8867-4), blood pressure mm Hg (systolic 8480-6, diastolic 8462-4), respiratory rate per minute (9279-1), oxygen
/// saturation % (59408-5), body weight kg (29463-7).
/// </summary>
public sealed record VitalSignsDetails
{
    /// <summary>When the measurements were taken (UTC).</summary>
    public DateTimeOffset TakenAt { get; init; }

    /// <summary>Body temperature, °C.</summary>
    public decimal? TemperatureCelsius { get; init; }

    /// <summary>Heart rate, beats per minute.</summary>
    public int? HeartRate { get; init; }

    /// <summary>Systolic blood pressure, mm Hg.</summary>
    public int? SystolicMmHg { get; init; }

    /// <summary>Diastolic blood pressure, mm Hg.</summary>
    public int? DiastolicMmHg { get; init; }

    /// <summary>Respiratory rate, breaths per minute.</summary>
    public int? RespiratoryRate { get; init; }

    /// <summary>Oxygen saturation (SpO₂), %.</summary>
    public int? OxygenSaturation { get; init; }

    /// <summary>Body weight, kg.</summary>
    public decimal? WeightKg { get; init; }

    /// <summary>Free text (position, device, remarks).</summary>
    public string Notes { get; init; } = "";
}
