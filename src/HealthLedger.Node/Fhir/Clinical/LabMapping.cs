using HealthLedger.Core.Records;
using HealthLedger.Node.Laboratory;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Clinical;

/// <summary>
/// Lab orders as FHIR: the order as a ServiceRequest (id = order id), its report as a DiagnosticReport (id = order id,
/// <c>result</c> referring to the Observations) and each current result value as an Observation (id
/// <c>{orderId}-{testCode}</c>, category <c>laboratory</c>, LOINC and the laboratory's code, a UCUM Quantity, the reference
/// range that applied and the H/L (HH/LL critical, N normal) flag the laboratory module computed). Status follows the
/// order: results entered but not validated are <c>preliminary</c>, validated ones <c>final</c> (<c>amended</c> after an
/// amendment).
/// </summary>
public sealed class LabMapping(LabOrderStore orders, LabCatalogueStore catalogues, LabService lab)
{
    /// <summary>The order, or null.</summary>
    public LabOrderView? Order(string orderId) => orders.Find(orderId);

    /// <summary>The orders of the patients in <paramref name="patientIds"/>, latest first.</summary>
    public IReadOnlyList<LabOrderView> OrdersOf(IReadOnlySet<string> patientIds) => patientIds.Count == 0 ? []
        : patientIds.SelectMany(orders.ForPatient).OrderByDescending(o => o.Steps[0].Proof.Height).ThenBy(o => o.Id, StringComparer.Ordinal).ToList();

    /// <summary>The Observation id of a result.</summary>
    public static string ObservationId(string orderId, string code) => $"{orderId}-{ClinicalCodes.IdPart(code)}";

    /// <summary>The order and result line an Observation id names, or null.</summary>
    public (LabOrderView Order, LabReportLine Line)? FindResult(string id)
    {
        for (var i = id.IndexOf('-', StringComparison.Ordinal); i > 0; i = id.IndexOf('-', i + 1))
        {
            if (orders.Find(id[..i]) is not { } order) continue;
            if (Lines(order).FirstOrDefault(l => ObservationId(order.Id, l.Code) == id) is { } line) return (order, line);
        }
        return null;
    }

    /// <summary>
    /// The current result lines: as the pathologist signed them while the order is validated, otherwise (entered, or amended
    /// and awaiting validation) as the laboratory module computes them for the report (range by the patient's recorded sex and age).
    /// </summary>
    public IReadOnlyList<LabReportLine> Lines(LabOrderView order)
    {
        if (order.CurrentResults is not { } results) return [];
        if (order.Status == LabOrderStatus.Validated && order.LastValidation is { Content.Report.Count: > 0 } validation) return validation.Content.Report;
        return lab.Report(order, results.Content.Results, catalogues.Get(order.LabOrganisationId).Catalogue);
    }

    /// <summary>final, amended (validated after an amendment), preliminary (not validated) or registered (no results yet).</summary>
    public static ObservationStatus ResultStatus(LabOrderView order) =>
        order.CurrentResults is null ? ObservationStatus.Registered
        : order.Status != LabOrderStatus.Validated ? ObservationStatus.Preliminary
        : order.Steps.Count(s => s.Step == LabOrderStatus.Resulted) > 1 ? ObservationStatus.Amended : ObservationStatus.Final;

    /// <summary>When the specimen was collected, else when the results were entered, else when ordered.</summary>
    public static DateTimeOffset Effective(LabOrderView order) =>
        order.Steps.FirstOrDefault(s => s.Step == LabOrderStatus.Collected)?.Content.At ?? order.CurrentResults?.Content.At ?? order.OrderedAt;

    /// <summary>The codes of a result line (LOINC when known, the laboratory's code).</summary>
    public static IEnumerable<(string? System, string? Code)> Codes(LabReportLine line) =>
        line.Loinc.Length > 0 ? [(ClinicalCodes.Loinc, line.Loinc), (ClinicalCodes.LabTestCodes, line.Code)] : [(ClinicalCodes.LabTestCodes, line.Code)];

    /// <summary>The Observation of one result line.</summary>
    public Observation Observation(LabOrderView order, LabReportLine line)
    {
        var results = order.CurrentResults!;
        var observation = new Observation
        {
            Id = ObservationId(order.Id, line.Code),
            Meta = FhirMeta.From(results.Proof, results.Version),
            Status = ResultStatus(order),
            Category = [ClinicalCodes.ObservationCategoryOf("laboratory", "Laboratory")],
            Code = new CodeableConcept { Coding = Codes(line).Select(c => new Coding(c.System, c.Code, line.Name)).ToList(), Text = line.Name },
            Subject = FhirMeta.Reference("Patient", order.PatientId),
            BasedOn = [FhirMeta.Reference("ServiceRequest", order.Id)],
            Effective = FhirMeta.DateTime(Effective(order)),
            Issued = FhirMeta.BlockTime(results.Proof),
            Performer = [FhirMeta.Reference("Organization", order.LabOrganisationId)],
            Value = ClinicalCodes.Quantity(line.Value, line.Unit),
        };
        var test = catalogues.Get(order.LabOrganisationId).Catalogue.Test(line.Code);
        if (line.ReferenceRange.Length > 0)
        {
            var range = test?.ReferenceRanges.FirstOrDefault(r => r.Describe(line.Unit) == line.ReferenceRange);
            observation.ReferenceRange =
            [
                new Observation.ReferenceRangeComponent
                {
                    Low = range is null ? null : ClinicalCodes.Quantity(range.Low, line.Unit),
                    High = range is null ? null : ClinicalCodes.Quantity(range.High, line.Unit),
                    Text = line.ReferenceRange,
                },
            ];
            observation.Interpretation = [Interpretation(line.Flag)];
        }
        else if (line.Flag.Length > 0)
        {
            observation.Interpretation = [Interpretation(line.Flag)];
        }
        return observation;
    }

    private static CodeableConcept Interpretation(string flag) => flag switch
    {
        "H" => new CodeableConcept(ClinicalCodes.Interpretation, "H", "High", "High"),
        "L" => new CodeableConcept(ClinicalCodes.Interpretation, "L", "Low", "Low"),
        "HH" => new CodeableConcept(ClinicalCodes.Interpretation, "HH", "Critical high", "Critical high"),
        "LL" => new CodeableConcept(ClinicalCodes.Interpretation, "LL", "Critical low", "Critical low"),
        _ => new CodeableConcept(ClinicalCodes.Interpretation, "N", "Normal", "Normal"),
    };

    /// <summary>The ordered codes as one concept: the test's or panel's LOINC and laboratory code when one was ordered, the names otherwise.</summary>
    public CodeableConcept OrderedCode(LabOrderView order)
    {
        var catalogue = catalogues.Get(order.LabOrganisationId).Catalogue;
        var items = order.Order.Tests.Select(code => (Code: code, Name: catalogue.Orderable(code)?.Name ?? code,
            Loinc: catalogue.Panel(code)?.Loinc ?? catalogue.Test(code)?.Loinc ?? "")).ToList();
        if (items.Count != 1) return new CodeableConcept { Text = string.Join(", ", items.Select(i => i.Name)) };
        var item = items[0];
        var concept = new CodeableConcept { Text = item.Name };
        if (item.Loinc.Length > 0) concept.Coding.Add(new Coding(ClinicalCodes.Loinc, item.Loinc, item.Name));
        concept.Coding.Add(new Coding(ClinicalCodes.LabTestCodes, item.Code, item.Name));
        return concept;
    }

    /// <summary>The ordered codes and their LOINC codes (for token search).</summary>
    public IEnumerable<(string? System, string? Code)> OrderedCodes(LabOrderView order)
    {
        var catalogue = catalogues.Get(order.LabOrganisationId).Catalogue;
        foreach (var code in order.Order.Tests)
        {
            yield return (ClinicalCodes.LabTestCodes, code);
            if ((catalogue.Panel(code)?.Loinc ?? catalogue.Test(code)?.Loinc) is { Length: > 0 } loinc) yield return (ClinicalCodes.Loinc, loinc);
        }
    }

    /// <summary>The order as a ServiceRequest.</summary>
    public ServiceRequest ServiceRequest(LabOrderView order)
    {
        var request = new ServiceRequest
        {
            Id = FhirIds.Of(order.Id),
            Meta = FhirMeta.From(order.Steps[^1].Proof, order.Steps.Count),
            Status = ServiceRequestStatus(order),
            Intent = RequestIntent.Order,
            Category = [new CodeableConcept(ClinicalCodes.Snomed, "108252007", "Laboratory procedure", "Laboratory procedure")],
            Priority = order.Order.Priority == "urgent" ? RequestPriority.Urgent : RequestPriority.Routine,
            Code = OrderedCode(order),
            Subject = FhirMeta.Reference("Patient", order.PatientId),
            AuthoredOn = FhirMeta.DateTime(order.OrderedAt).Value,
            Requester = FhirMeta.Reference("Practitioner", order.DoctorId),
            Performer = [FhirMeta.Reference("Organization", order.LabOrganisationId)],
        };
        if (order.Order.ClinicalNote.Length > 0) request.Note = [new Annotation { Text = new Markdown(order.Order.ClinicalNote) }];
        if (order.SpecimenId.Length > 0) request.Identifier = [new Identifier(FhirMeta.CodeSystem + "/specimen", order.SpecimenId)];
        return request;
    }

    /// <summary>active until validated, then completed.</summary>
    public static RequestStatus ServiceRequestStatus(LabOrderView order) => order.Status == LabOrderStatus.Validated ? RequestStatus.Completed : RequestStatus.Active;

    /// <summary>The order's report as a DiagnosticReport, its results as references to their Observations.</summary>
    public DiagnosticReport DiagnosticReport(LabOrderView order)
    {
        var status = ResultStatus(order);
        var report = new DiagnosticReport
        {
            Id = FhirIds.Of(order.Id),
            Meta = FhirMeta.From(order.Steps[^1].Proof, order.Steps.Count),
            BasedOn = [FhirMeta.Reference("ServiceRequest", order.Id)],
            Status = status switch
            {
                ObservationStatus.Final => Hl7.Fhir.Model.DiagnosticReport.DiagnosticReportStatus.Final,
                ObservationStatus.Amended => Hl7.Fhir.Model.DiagnosticReport.DiagnosticReportStatus.Amended,
                ObservationStatus.Preliminary => Hl7.Fhir.Model.DiagnosticReport.DiagnosticReportStatus.Preliminary,
                _ => Hl7.Fhir.Model.DiagnosticReport.DiagnosticReportStatus.Registered,
            },
            Category = [new CodeableConcept(ClinicalCodes.DiagnosticService, "LAB", "Laboratory", "Laboratory")],
            Code = OrderedCode(order),
            Subject = FhirMeta.Reference("Patient", order.PatientId),
            Effective = FhirMeta.DateTime(Effective(order)),
            Performer = [FhirMeta.Reference("Organization", order.LabOrganisationId)],
            Result = Lines(order).Select(l => new ResourceReference($"Observation/{ObservationId(order.Id, l.Code)}")).ToList(),
        };
        if (order.CurrentResults is { } results) report.Issued = FhirMeta.BlockTime(order.Status == LabOrderStatus.Validated && order.LastValidation is { } v ? v.Proof : results.Proof);
        if (order.Status == LabOrderStatus.Validated && order.LastValidation is { Content.Notes.Length: > 0 } validated) report.Conclusion = validated.Content.Notes;
        return report;
    }
}
