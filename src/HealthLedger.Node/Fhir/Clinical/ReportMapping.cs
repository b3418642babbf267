using System.Globalization;
using HealthLedger.Core.Records;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Clinical;

/// <summary>
/// Medical reports as FHIR: each report (its latest version) as a DiagnosticReport (id = report id; lab result lines as
/// contained Observations, a Quantity when the value is a number, valueString otherwise), and each version's attached file
/// as a DocumentReference (id <c>{reportId}-{version}</c>) whose attachment points at the JSON API's download
/// (<c>/api/v1/reports/{id}/file?version=N</c>, same login), with <c>size</c> (bytes) and <c>hash</c> (FHIR R4: the SHA-1 of
/// the data, base64) and whose identifier is the SHA-256 the ledger records for the file. The SHA-1 is computed as the file
/// is uploaded and kept in the report's sealed content (<see cref="AttachedFile.Sha1"/>): a read never decrypts the file
/// for it. Files uploaded before that carry no SHA-1, and their attachments no <c>hash</c> (rather than one that would mean
/// decrypting, and disclosing, the file on every read).
/// </summary>
public sealed class ReportMapping(ReportStore reports, FhirPeople people)
{
    /// <summary>Every version of a report, oldest first (empty when unknown).</summary>
    public IReadOnlyList<ReportView> Versions(string reportId) => reports.ReportVersions(reportId);

    /// <summary>The latest version of each of a patient's reports, newest first.</summary>
    public IReadOnlyList<ReportView> Latest(string patientId) => reports.Reports(patientId);

    /// <summary>The LOINC document code of a report type.</summary>
    public static (string Code, string Display) Loinc(ReportType type) => type switch
    {
        ReportType.Lab => ("11502-2", "Laboratory report"),
        ReportType.Prescription => ("57833-6", "Prescription for medication"),
        ReportType.Imaging => ("18748-4", "Diagnostic imaging study"),
        ReportType.DischargeSummary => ("18842-5", "Discharge summary"),
        _ => ("34109-9", "Note"),
    };

    /// <summary>The type as a concept: LOINC and HealthLedger's report type.</summary>
    public static CodeableConcept TypeConcept(ReportView r)
    {
        var (code, display) = Loinc(r.Type);
        return new CodeableConcept
        {
            Coding = [new Coding(ClinicalCodes.Loinc, code, display), new Coding(ClinicalCodes.ReportTypes, ReportInput.TypeName(r.Type), display)],
            Text = r.Content.Title.Length > 0 ? r.Content.Title : display,
        };
    }

    /// <summary>The codes of a report's type (for token search).</summary>
    public static IEnumerable<(string? System, string? Code)> TypeCodes(ReportView r) =>
        [(ClinicalCodes.Loinc, Loinc(r.Type).Code), (ClinicalCodes.ReportTypes, ReportInput.TypeName(r.Type))];

    /// <summary>The diagnostic service section of a report type: LAB, RAD, or HealthLedger's type name.</summary>
    public static (string System, string Code, string Display) Category(ReportType type) => type switch
    {
        ReportType.Lab => (ClinicalCodes.DiagnosticService, "LAB", "Laboratory"),
        ReportType.Imaging => (ClinicalCodes.DiagnosticService, "RAD", "Radiology"),
        _ => (ClinicalCodes.ReportTypes, ReportInput.TypeName(type), ReportInput.TypeName(type)),
    };

    /// <summary>When the report was first written (its first version's block time).</summary>
    public DateTimeOffset FirstWritten(ReportView r) => FhirMeta.BlockTime((reports.ReportVersions(r.Id).FirstOrDefault() ?? r).Proof);

    /// <summary>The relative URL of a version's file download.</summary>
    public static string FileUrl(ReportView r) => $"/api/v1/reports/{Uri.EscapeDataString(r.Id)}/file?version={r.Version.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The latest version of a report as a DiagnosticReport.</summary>
    public DiagnosticReport DiagnosticReport(ReportView r)
    {
        var (system, code, display) = Category(r.Type);
        var report = new DiagnosticReport
        {
            Id = FhirIds.Of(r.Id),
            Meta = FhirMeta.From(r.Proof, r.Version),
            Status = r.Version > 1 ? Hl7.Fhir.Model.DiagnosticReport.DiagnosticReportStatus.Amended : Hl7.Fhir.Model.DiagnosticReport.DiagnosticReportStatus.Final,
            Category = [new CodeableConcept(system, code, display, display)],
            Code = TypeConcept(r),
            Subject = FhirMeta.Reference("Patient", r.PatientId),
            Effective = FhirMeta.DateTime(FirstWritten(r)),
            Issued = FhirMeta.BlockTime(r.Proof),
            Performer = [people.Of(r.AuthorId)],
        };
        if (r.Content.Summary.Length > 0) report.Conclusion = r.Content.Summary;
        var n = 0;
        foreach (var line in r.Content.LabResults)
        {
            var id = $"r{++n}";
            report.Contained.Add(ContainedResult(r, line, id));
            report.Result.Add(new ResourceReference($"#{id}"));
        }
        if (r.Content.File is { } file && r.State.Document is not null) report.PresentedForm = [Attachment(r, file)];
        return report;
    }

    private static Observation ContainedResult(ReportView r, LabResult line, string id)
    {
        var observation = new Observation
        {
            Id = id,
            Status = r.Version > 1 ? ObservationStatus.Amended : ObservationStatus.Final,
            Category = [ClinicalCodes.ObservationCategoryOf("laboratory", "Laboratory")],
            Code = new CodeableConcept { Text = line.Test },
            Subject = FhirMeta.Reference("Patient", r.PatientId),
        };
        observation.Value = decimal.TryParse(line.Value, NumberStyles.Number, CultureInfo.InvariantCulture, out var number)
            ? new Quantity { Value = number, Unit = line.Unit.Length > 0 ? line.Unit : null }
            : new FhirString(line.Value);
        if (line.ReferenceRange.Length > 0) observation.ReferenceRange = [new Observation.ReferenceRangeComponent { Text = line.ReferenceRange }];
        var flag = line.Flag.Trim().ToUpperInvariant();
        if (flag is "H" or "L" or "HH" or "LL" or "N")
        {
            observation.Interpretation = [new CodeableConcept(ClinicalCodes.Interpretation, flag)];
        }
        return observation;
    }

    /// <summary>
    /// A version's attached file: type, name, the download URL, its creation (the version's block time), its size in bytes
    /// (R4's unsignedInt, <see cref="Attachment.SizeUnsignedInt"/>: the SDK's <c>Size</c> is R5's integer64, written as a JSON
    /// string R4 parsers refuse) and the SHA-1 of its bytes when it was recorded at upload.
    /// </summary>
    public static Attachment Attachment(ReportView r, AttachedFile file) => new()
    {
        ContentType = file.ContentType,
        Url = FileUrl(r),
        Title = file.Name,
        Creation = FhirMeta.DateTime(FhirMeta.BlockTime(r.Proof)).Value,
        SizeUnsignedInt = file.Size is > 0 and <= int.MaxValue ? (int)file.Size : null,
        Hash = file.Sha1.Length > 0 ? Convert.FromBase64String(file.Sha1) : null,
    };

    /// <summary>The DocumentReference id of a version's file.</summary>
    public static string DocumentId(ReportView r) => $"{r.Id}-{r.Version.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The version a DocumentReference id names, when it has a file; null otherwise.</summary>
    public ReportView? FindDocument(string id)
    {
        var dash = id.LastIndexOf('-');
        if (dash <= 0 || !int.TryParse(id.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var version)) return null;
        return reports.ReportVersions(id[..dash]).FirstOrDefault(v => v.Version == version && HasFile(v));
    }

    /// <summary>True when the version carries a file.</summary>
    public static bool HasFile(ReportView r) => r.State.Document is not null && r.Content.File is not null;

    /// <summary>A version's file as a DocumentReference: current for the latest version, superseded for earlier ones.</summary>
    public DocumentReference DocumentReference(ReportView r)
    {
        var versions = reports.ReportVersions(r.Id);
        var latest = versions.Count == 0 ? r.Version : versions[^1].Version;
        var document = new DocumentReference
        {
            Id = FhirIds.Of(DocumentId(r)),
            Meta = FhirMeta.From(r.Proof, r.Version),
            Identifier = [new Identifier(ClinicalCodes.Sha256System, r.State.ContentHash.ToString()) { Use = Identifier.IdentifierUse.Secondary }],
            Status = r.Version == latest ? DocumentReferenceStatus.Current : DocumentReferenceStatus.Superseded,
            DocStatus = r.Version > 1 ? CompositionStatus.Amended : CompositionStatus.Final,
            Type = TypeConcept(r),
            Subject = FhirMeta.Reference("Patient", r.PatientId),
            Date = FhirMeta.BlockTime(r.Proof),
            Author = [people.Of(r.AuthorId)],
            Description = r.Content.Title.Length > 0 ? r.Content.Title : null,
            Content = [new DocumentReference.ContentComponent { Attachment = Attachment(r, r.Content.File!) }],
            Context = new DocumentReference.ContextComponent { Related = [FhirMeta.Reference("DiagnosticReport", r.Id)] },
        };
        if (versions.LastOrDefault(v => v.Version < r.Version && HasFile(v)) is { } previous)
        {
            document.RelatesTo = [new DocumentReference.RelatesToComponent { Code = DocumentRelationshipType.Replaces, Target = FhirMeta.Reference("DocumentReference", DocumentId(previous)) }];
        }
        return document;
    }
}
