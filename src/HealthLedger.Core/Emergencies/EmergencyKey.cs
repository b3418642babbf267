using HealthLedger.Core.Crypto;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Emergencies;

/// <summary>
/// A patient's category key of one epoch, wrapped by the custodian organisation's node for an admitted rescuer
/// organisation (<see cref="CategoryKeyCrypto.WrapForReader"/>, same aad as a reader's envelope). Stored under
/// <see cref="StateKey"/>.
/// </summary>
/// <param name="PatientId">The patient.</param>
/// <param name="Category">One category of the emergency's.</param>
/// <param name="Epoch">The category key's epoch.</param>
/// <param name="Envelope">The category key for the rescuer organisation's encryption key.</param>
public sealed record EmergencyKey(string PatientId, ConsentCategories Category, int Epoch, Envelope Envelope)
{
    /// <summary>State key of the envelope.</summary>
    public static string StateKey(string emergencyId, string rescuerId, string patientId, ConsentCategories category, int epoch) =>
        $"emergkey/{emergencyId}/{rescuerId}/{patientId}/{(byte)category}/{epoch:D6}";

    /// <summary>Prefix of the envelopes of one emergency for one rescuer organisation and patient.</summary>
    public static string Prefix(string emergencyId, string rescuerId, string patientId) => $"emergkey/{emergencyId}/{rescuerId}/{patientId}/";

    /// <summary>
    /// State key listing the emergencies (<see cref="Model.IdList"/>) whose rescuers received a patient's category key of one
    /// epoch: once one of them is over, the epoch is stale and the patient's next record of the category opens a new epoch
    /// (<see cref="ReleasedEpochs.StaleUnder"/>), as after a revocation.
    /// </summary>
    public static string EpochKey(string patientId, ConsentCategories category, int epoch) => $"emergepoch/{patientId}/{(byte)category}/{epoch:D6}";

    /// <summary>
    /// State key of the custodian's MRN lookup key wrapped for a rescuer organisation: the custodian's blind-index key, so the
    /// rescuer's node finds a patient by MRN (exact match) without the custodian's node.
    /// </summary>
    public static string LookupKey(string emergencyId, string rescuerId, string custodianId) => $"emerglookup/{emergencyId}/{rescuerId}/{custodianId}";
}
