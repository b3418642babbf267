using HealthLedger.Node.Records;
using HealthLedger.Node.VitalSigns;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Clinical;

/// <summary>
/// Vital signs as FHIR Observations (R4 vital-signs profiles, observation-vitalsigns.html): one Observation per measurement,
/// id <c>{vitalSignsId}-{loinc}</c>, category <c>vital-signs</c>, the profile's LOINC code and UCUM unit; blood pressure is one
/// Observation 85354-9 with systolic (8480-6) and diastolic (8462-4) components; oxygen saturation carries 2708-6 and 59408-5.
/// Each declares its vital-signs profile in <c>meta.profile</c>.
/// </summary>
public static class VitalSignsMapping
{
    /// <summary>One kind of measurement: LOINC code, display, profile name, UCUM code, unit shown, and how to read it.</summary>
    public sealed record Kind(string Loinc, string Display, string Profile, string Ucum, string Unit, Func<VitalSignsDetails, decimal?> Value);

    /// <summary>Blood pressure panel.</summary>
    public const string BloodPressure = "85354-9";

    /// <summary>The measurements, in the order they are listed.</summary>
    public static readonly IReadOnlyList<Kind> Kinds =
    [
        new("8310-5", "Body temperature", "bodytemp", "Cel", "°C", d => d.TemperatureCelsius),
        new("8867-4", "Heart rate", "heartrate", "/min", "beats/minute", d => d.HeartRate),
        new(BloodPressure, "Blood pressure panel with all children optional", "bp", "mm[Hg]", "mmHg", d => d.SystolicMmHg),
        new("9279-1", "Respiratory rate", "resprate", "/min", "breaths/minute", d => d.RespiratoryRate),
        new("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "oxygensat", "%", "%", d => d.OxygenSaturation),
        new("29463-7", "Body weight", "bodyweight", "kg", "kg", d => d.WeightKg),
    ];

    /// <summary>The Observation id of a measurement.</summary>
    public static string Id(string vitalSignsId, string loinc) => $"{vitalSignsId}-{loinc}";

    /// <summary>The (vital-signs id, kind) an Observation id names, or null.</summary>
    public static (string VitalSignsId, Kind Kind)? Parse(string id)
    {
        foreach (var kind in Kinds)
        {
            if (id.Length > kind.Loinc.Length + 1 && id.EndsWith("-" + kind.Loinc, StringComparison.Ordinal)) return (id[..^(kind.Loinc.Length + 1)], kind);
        }
        return null;
    }

    /// <summary>The measurements present in a set of vital signs.</summary>
    public static IEnumerable<Kind> Present(VitalSignsView v) => Kinds.Where(k => k.Value(v.Details) is not null);

    /// <summary>The codes an Observation of <paramref name="kind"/> carries (for token search).</summary>
    public static IEnumerable<(string? System, string? Code)> Codes(Kind kind) =>
        kind.Profile == "oxygensat" ? [(ClinicalCodes.Loinc, "2708-6"), (ClinicalCodes.Loinc, kind.Loinc)] : [(ClinicalCodes.Loinc, kind.Loinc)];

    /// <summary>The Observation of one measurement.</summary>
    public static Observation ToFhir(VitalSignsView v, Kind kind, ResourceReference performer)
    {
        var observation = new Observation
        {
            Id = Id(v.Id, kind.Loinc),
            Meta = FhirMeta.From(v.Proof, 1),
            Status = ObservationStatus.Final,
            Category = [ClinicalCodes.ObservationCategoryOf("vital-signs", "Vital Signs")],
            Code = new CodeableConcept { Coding = Codes(kind).Select(c => new Coding(c.System, c.Code, c.Code == kind.Loinc ? kind.Display : "Oxygen saturation in Arterial blood")).ToList(), Text = kind.Display },
            Subject = FhirMeta.Reference("Patient", v.PatientId),
            Effective = FhirMeta.DateTime(v.Details.TakenAt),
            Issued = FhirMeta.BlockTime(v.Proof),
            Performer = [performer],
        };
        observation.Meta.Profile = [$"http://hl7.org/fhir/StructureDefinition/{kind.Profile}"];
        if (kind.Loinc == BloodPressure)
        {
            observation.Component =
            [
                Component("8480-6", "Systolic blood pressure", v.Details.SystolicMmHg!.Value, kind),
                Component("8462-4", "Diastolic blood pressure", v.Details.DiastolicMmHg!.Value, kind),
            ];
        }
        else
        {
            observation.Value = ClinicalCodes.Quantity(kind.Value(v.Details)!.Value, kind.Unit, kind.Ucum);
        }
        if (v.Details.Notes.Length > 0) observation.Note = [new Annotation { Text = new Markdown(v.Details.Notes) }];
        return observation;
    }

    private static Observation.ComponentComponent Component(string loinc, string display, decimal value, Kind kind) => new()
    {
        Code = new CodeableConcept(ClinicalCodes.Loinc, loinc, display, display),
        Value = ClinicalCodes.Quantity(value, kind.Unit, kind.Ucum),
    };
}
