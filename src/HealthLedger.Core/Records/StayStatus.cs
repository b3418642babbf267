namespace HealthLedger.Core.Records;

/// <summary>Where a patient is in the encounter lifecycle admitted → (transferred)* → discharged. Values are stored on the chain.</summary>
public enum StayStatus : byte
{
    /// <summary>Never admitted.</summary>
    None = 0,
    /// <summary>Admitted (possibly transferred since) and not yet discharged: the patient holds a bed.</summary>
    Admitted = 1,
    /// <summary>Discharged from their last stay: the patient holds no bed.</summary>
    Discharged = 2,
}
