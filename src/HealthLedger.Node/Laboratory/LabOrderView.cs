using HealthLedger.Core.Records;

namespace HealthLedger.Node.Laboratory;

/// <summary>A lab order as the read model holds it (decrypted in memory only): its ids, status and every step opened.</summary>
/// <param name="Id">Order id.</param>
/// <param name="PatientId">The patient.</param>
/// <param name="LabOrganisationId">The laboratory.</param>
/// <param name="DoctorId">The ordering doctor.</param>
/// <param name="SpecimenId">The specimen id, empty until collected.</param>
/// <param name="ChargeEntryId">The account entry of the charge, empty until validated.</param>
/// <param name="Status">Where it stands.</param>
/// <param name="Steps">Every step in order (version = position + 1).</param>
public sealed record LabOrderView(string Id, string PatientId, string LabOrganisationId, string DoctorId, string SpecimenId, string ChargeEntryId,
    LabOrderStatus Status, IReadOnlyList<LabStepView> Steps)
{
    /// <summary>The order step's content.</summary>
    public LabStepContent Order => Steps[0].Content;

    /// <summary>The latest step of <paramref name="kind"/>, or null.</summary>
    public LabStepView? Last(LabOrderStatus kind) => Steps.LastOrDefault(s => s.Step == kind);

    /// <summary>When it was ordered.</summary>
    public DateTimeOffset OrderedAt => Order.At;

    /// <summary>When it was first validated, or null.</summary>
    public DateTimeOffset? FirstValidatedAt => Steps.FirstOrDefault(s => s.Step == LabOrderStatus.Validated)?.Content.At;

    /// <summary>The current results (the latest results step), or null.</summary>
    public LabStepView? CurrentResults => Last(LabOrderStatus.Resulted);

    /// <summary>The latest validation, or null; it covers the current results only while <see cref="Status"/> is validated.</summary>
    public LabStepView? LastValidation => Last(LabOrderStatus.Validated);
}
