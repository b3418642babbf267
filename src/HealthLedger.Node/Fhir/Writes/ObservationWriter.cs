using HealthLedger.Node.Records;
using HealthLedger.Node.VitalSigns;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Writes;

/// <summary>
/// <c>Observation</c> create for vital signs only (a set of vital signs through <see cref="VitalSignsService.RecordAsync"/>,
/// admins and attending doctors): the LOINC codes of <see cref="VitalsMapping"/>, blood pressure as the panel 85354-9 with
/// systolic and diastolic components. Lab results come from lab orders and are not written here (422). The answer is the
/// Observation <c>{vitalSignsId}-{loinc}</c>. Records are append-only: update is refused (422).
/// </summary>
public sealed class ObservationWriter(VitalSignsService vitals, VitalSignsStore store, FhirPatientAccess access, HospitalTime time, IServiceProvider services) : IFhirPlannedWriter
{
    /// <inheritdoc />
    public string TypeName => "Observation";

    /// <inheritdoc />
    public bool Updates => false;

    /// <inheritdoc />
    public Outcome<FhirPlannedWrite> Plan(UserSession actor, Resource resource, FhirReferences references)
    {
        var observation = (Observation)resource;
        var (patientId, patientError) = references.Target(observation.Subject, "Patient");
        if (patientError is not null) return FhirWrite.Invalid<FhirPlannedWrite>("Observation.subject", patientError);
        if (!references.IsPending(patientId!) && access.OrganisationOf(patientId!) is null) return FhirWrite.Invalid<FhirPlannedWrite>("Observation.subject", $"Patient '{patientId}' does not exist.");
        var input = new VitalSignsInput();
        var (loinc, error) = VitalsMapping.Add(input, observation);
        if (error is not null) return error.Value.Unmappable
            ? FhirWrite.Unprocessable<FhirPlannedWrite>(error.Value.Path, error.Value.Message)
            : FhirWrite.Invalid<FhirPlannedWrite>(error.Value.Path, error.Value.Message);
        var (details, errors) = input.Validate(time);
        if (details is null) return FhirWrite.Remap<object, FhirPlannedWrite>(Outcome<object>.Invalid(errors), VitalsMapping.Paths, "Observation.value[x]");
        var depends = references.IsPending(patientId!) ? new[] { patientId! } : [];
        return Outcome<FhirPlannedWrite>.Ok(new FhirPlannedWrite(TypeName, depends, async (refs, ct) =>
        {
            var recorded = await vitals.RecordAsync(actor, refs.Final(patientId!), input, ct);
            if (!recorded.IsOk) return FhirWrite.Remap<VitalSignsView, Resource>(recorded, VitalsMapping.Paths, "Observation");
            var view = recorded.Value!;
            var id = VitalsMapping.ObservationId(view.Id, loinc!);
            return FhirStored.Read(services, actor, TypeName, id, () => store.Find(view.PatientId, view.Id) is { } stored ? VitalsMapping.ToFhir(stored, loinc!) : null);
        }));
    }

    /// <inheritdoc />
    public Task<Outcome<Resource>> CreateAsync(UserSession actor, Resource resource, CancellationToken ct) => this.PlanAndSubmitAsync(actor, resource, ct);

    /// <inheritdoc />
    public Task<Outcome<Resource>> UpdateAsync(UserSession actor, string id, Resource resource, string? ifMatch, CancellationToken ct) =>
        Task.FromResult(FhirWrite.Unprocessable<Resource>("Observation", "Recorded vital signs are append-only: record a new set instead."));
}

/// <summary>The vital-sign LOINC codes HealthLedger keeps (as in <see cref="VitalSignsDetails"/>) and how an Observation fills a <see cref="VitalSignsInput"/>.</summary>
public static class VitalsMapping
{
    /// <summary>Blood pressure panel.</summary>
    public const string BloodPressure = "85354-9";

    /// <summary>The vital-sign codes written (oxygen saturation also as 2708-6).</summary>
    public static readonly IReadOnlyDictionary<string, string> Codes = new Dictionary<string, string>
    {
        ["8310-5"] = "Body temperature",
        ["8867-4"] = "Heart rate",
        [BloodPressure] = "Blood pressure panel with all children optional",
        ["9279-1"] = "Respiratory rate",
        ["59408-5"] = "Oxygen saturation in Arterial blood by Pulse oximetry",
        ["2708-6"] = "Oxygen saturation in Arterial blood",
        ["29463-7"] = "Body weight",
    };

    /// <summary>The service's fields as FHIR paths.</summary>
    public static readonly IReadOnlyDictionary<string, string> Paths = new Dictionary<string, string>
    {
        ["takenAt"] = "Observation.effective[x]",
        ["systolicMmHg"] = "Observation.component",
        ["diastolicMmHg"] = "Observation.component",
        ["notes"] = "Observation.note",
    };

    /// <summary>The Observation id of one measurement of a set: <c>{vitalSignsId}-{loinc}</c>.</summary>
    public static string ObservationId(string vitalSignsId, string loinc) => $"{vitalSignsId}-{loinc}";

    /// <summary>True when the Observation is a laboratory result (category laboratory).</summary>
    public static bool IsLaboratory(Observation o) => o.Category.Any(c => FhirWrite.Has(c, "http://terminology.hl7.org/CodeSystem/observation-category", "laboratory"));

    /// <summary>The vital-sign LOINC code of an Observation, or null.</summary>
    public static string? Code(Observation o) => o.Code?.Coding.FirstOrDefault(c => c.System == FhirWrite.Loinc && c.Code is not null && Codes.ContainsKey(c.Code))?.Code;

    /// <summary>
    /// Adds the measurement of <paramref name="o"/> (and its time, when the input has none) to <paramref name="input"/>. The
    /// error is at a FHIR path; Unmappable when the Observation is not a vital sign HealthLedger keeps.
    /// </summary>
    public static (string? Loinc, (string Path, string Message, bool Unmappable)? Error) Add(VitalSignsInput input, Observation o)
    {
        if (IsLaboratory(o)) return (null, ("Observation.category", "Laboratory results come from lab orders in HealthLedger: they are not written as Observations.", true));
        if (Code(o) is not { } loinc)
        {
            return (null, ("Observation.code", $"Only vital signs are written as Observations: LOINC {string.Join(", ", Codes.Keys)}.", true));
        }
        input.TakenAt ??= FhirWrite.Instant(o.Effective) ?? FhirWrite.Instant(o.IssuedElement);
        if (input.TakenAt is null) return (loinc, ("Observation.effective[x]", "When the measurement was taken (effectiveDateTime) is required.", false));
        if (loinc == BloodPressure)
        {
            decimal? Part(string code) => o.Component.FirstOrDefault(c => c.Code?.Coding.Any(x => x.System == FhirWrite.Loinc && x.Code == code) == true)?.Value is Quantity q ? q.Value : null;
            var systolic = Part("8480-6");
            var diastolic = Part("8462-4");
            if (systolic is null || diastolic is null) return (loinc, ("Observation.component", "A blood pressure needs the systolic (8480-6) and diastolic (8462-4) components in mm[Hg].", false));
            input.SystolicMmHg = (int)Math.Round(systolic.Value);
            input.DiastolicMmHg = (int)Math.Round(diastolic.Value);
            return (loinc, null);
        }
        if (o.Value is not Quantity { Value: { } value } quantity) return (loinc, ("Observation.value[x]", "The measurement is required as valueQuantity.", false));
        var unit = quantity.Code ?? quantity.Unit ?? "";
        switch (loinc)
        {
            case "8310-5":
                input.TemperatureCelsius = unit switch
                {
                    "Cel" or "°C" or "C" or "" => value,
                    "[degF]" or "°F" or "F" => Math.Round((value - 32m) * 5m / 9m, 1),
                    _ => null,
                };
                break;
            case "8867-4":
                input.HeartRate = (int)Math.Round(value);
                break;
            case "9279-1":
                input.RespiratoryRate = (int)Math.Round(value);
                break;
            case "59408-5" or "2708-6":
                input.OxygenSaturation = (int)Math.Round(value);
                break;
            case "29463-7":
                input.WeightKg = unit switch
                {
                    "kg" or "" => value,
                    "g" => value / 1000m,
                    "[lb_av]" or "lb" or "lbs" => Math.Round(value * 0.45359237m, 1),
                    _ => null,
                };
                break;
        }
        if (loinc is "8310-5" && input.TemperatureCelsius is null || loinc is "29463-7" && input.WeightKg is null)
        {
            return (loinc, ("Observation.value[x]", $"Unit '{unit}' is not one this server converts for {Codes[loinc]}.", false));
        }
        return (loinc, null);
    }

    /// <summary>The Observation of one measurement of a stored set (when no read mapping is registered).</summary>
    public static Observation ToFhir(VitalSignsView v, string loinc)
    {
        var d = v.Details;
        var o = new Observation
        {
            Id = ObservationId(v.Id, loinc),
            Meta = FhirMeta.From(v.Proof, 1),
            Status = ObservationStatus.Final,
            Category = [FhirWrite.Concept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs", "Vital Signs")],
            Code = FhirWrite.Concept(FhirWrite.Loinc, loinc, Codes[loinc]),
            Subject = FhirMeta.Reference("Patient", v.PatientId),
            Effective = FhirMeta.DateTime(d.TakenAt),
        };
        static Quantity Q(decimal? value, string unit) => new(value ?? 0, unit, "http://unitsofmeasure.org") { Unit = unit };
        switch (loinc)
        {
            case BloodPressure:
                o.Component.Add(new Observation.ComponentComponent { Code = FhirWrite.Concept(FhirWrite.Loinc, "8480-6", "Systolic blood pressure"), Value = Q(d.SystolicMmHg, "mm[Hg]") });
                o.Component.Add(new Observation.ComponentComponent { Code = FhirWrite.Concept(FhirWrite.Loinc, "8462-4", "Diastolic blood pressure"), Value = Q(d.DiastolicMmHg, "mm[Hg]") });
                break;
            case "8310-5": o.Value = Q(d.TemperatureCelsius, "Cel"); break;
            case "8867-4": o.Value = Q(d.HeartRate, "/min"); break;
            case "9279-1": o.Value = Q(d.RespiratoryRate, "/min"); break;
            case "59408-5" or "2708-6": o.Value = Q(d.OxygenSaturation, "%"); break;
            case "29463-7": o.Value = Q(d.WeightKg, "kg"); break;
        }
        return o;
    }
}
