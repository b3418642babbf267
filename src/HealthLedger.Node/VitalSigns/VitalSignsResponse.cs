using HealthLedger.Node.Web;

namespace HealthLedger.Node.VitalSigns;

/// <summary>A set of vital signs as the API shows it (units as in <see cref="VitalSignsDetails"/>).</summary>
public sealed record VitalSignsResponse(string Id, string PatientId, DateTimeOffset TakenAt, decimal? TemperatureCelsius, int? HeartRate, int? SystolicMmHg,
    int? DiastolicMmHg, int? RespiratoryRate, int? OxygenSaturation, decimal? WeightKg, string Notes, string AuthorId, ProofResponse Proof)
{
    public static VitalSignsResponse From(VitalSignsView v) => new(v.Id, v.PatientId, v.Details.TakenAt, v.Details.TemperatureCelsius, v.Details.HeartRate,
        v.Details.SystolicMmHg, v.Details.DiastolicMmHg, v.Details.RespiratoryRate, v.Details.OxygenSaturation, v.Details.WeightKg, v.Details.Notes,
        v.AuthorId, ProofResponse.From(v.Proof));
}
