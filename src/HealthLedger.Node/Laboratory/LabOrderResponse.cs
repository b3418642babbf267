using HealthLedger.Core.Records;
using HealthLedger.Node.Web;

namespace HealthLedger.Node.Laboratory;

/// <summary>
/// A lab order as the API shows it: status (<c>ordered</c>, <c>collected</c>, <c>received</c>, <c>resulted</c>,
/// <c>validated</c>), the order, the current results, the signed report with flags (only while validated), whether the
/// results are ready for the doctor, the amendments and every step with its ledger proof.
/// </summary>
public sealed record LabOrderResponse(string Id, string PatientId, string LaboratoryId, string DoctorId, string Status, string Priority,
    IReadOnlyList<string> Tests, string ClinicalNote, string SpecimenId, DateTimeOffset OrderedAt, IReadOnlyList<LabResultValue> Results, string ResultsBy,
    IReadOnlyList<LabReportLine>? Report, string ValidatedBy, string ReportComment, bool ResultsReady, bool Critical, string ChargeEntryId,
    IReadOnlyList<LabAmendmentResponse> Amendments, IReadOnlyList<LabStepResponse> Steps)
{
    /// <summary>Maps a view.</summary>
    public static LabOrderResponse From(LabOrderView o)
    {
        var validated = o.Status == LabOrderStatus.Validated ? o.LastValidation : null;
        return new(o.Id, o.PatientId, o.LabOrganisationId, o.DoctorId, LabService.Name(o.Status), o.Order.Priority, o.Order.Tests, o.Order.ClinicalNote,
            o.SpecimenId, o.OrderedAt, o.CurrentResults?.Content.Results ?? [], o.CurrentResults?.AuthorId ?? "", validated?.Content.Report,
            validated?.AuthorId ?? "", validated?.Content.Notes ?? "", validated is not null, validated?.Content.Report.Any(l => l.Critical) == true, o.ChargeEntryId,
            o.Steps.Where(s => s.Content.AmendmentReason.Length > 0).Select(s => new LabAmendmentResponse(s.Version, s.AuthorId, s.Content.At, s.Content.AmendmentReason)).ToList(),
            o.Steps.Select(s => new LabStepResponse(LabService.Name(s.Step), s.Version, s.AuthorId, s.Content.At, s.Content.Notes, ProofResponse.From(s.Proof))).ToList());
    }
}

/// <summary>An amendment of validated results: the step version, who, when and why.</summary>
public sealed record LabAmendmentResponse(int Version, string By, DateTimeOffset At, string Reason);

/// <summary>One step of an order: its status name, version, signer, time, notes and proof.</summary>
public sealed record LabStepResponse(string Step, int Version, string By, DateTimeOffset At, string Notes, ProofResponse Proof);

/// <summary>The catalogue with its version (0: none yet).</summary>
public sealed record LabCatalogueResponse(int Version, IReadOnlyList<LabTest> Tests, IReadOnlyList<LabPanel> Panels)
{
    /// <summary>Maps a catalogue.</summary>
    public static LabCatalogueResponse From((int Version, LabCatalogue Catalogue) c) => new(c.Version, c.Catalogue.Tests, c.Catalogue.Panels);
}
