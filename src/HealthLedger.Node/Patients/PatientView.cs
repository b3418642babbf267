using HealthLedger.Core.Records;

namespace HealthLedger.Node.Patients;

/// <summary>
/// A patient as the organisation's node sees it, decrypted in memory only. A view handed to a reader carries what of
/// the record that reader reaches (<see cref="Shared"/>); without demographics its <see cref="Details"/> are empty.
/// </summary>
public sealed record PatientView(string Id, string OrganisationId, int Version, PatientDetails Details, RecordProof Proof)
{
    /// <summary>The categories of the patient's record the reader of this view may see (everything for the node's own views).</summary>
    public ConsentCategories Shared { get; init; } = ConsentCategories.All;

    /// <summary>True when the reader may see the demographics (name, MRN, contact…).</summary>
    public bool DemographicsShared => (Shared & ConsentCategories.Demographics) != 0;

    /// <summary>The name to show the reader: the patient's name, or their id when demographics are not shared with them.</summary>
    public string DisplayName => DemographicsShared ? Details.FullName : $"Patient {Id} (name not shared)";

    /// <summary>This view as a reader reaching <paramref name="shared"/> sees it: without demographics, no details at all.</summary>
    public PatientView For(ConsentCategories shared) =>
        (shared & ConsentCategories.Demographics) != 0 ? this with { Shared = shared } : this with { Shared = shared, Details = new PatientDetails() };
}
