namespace HealthLedger.Core.Records;

/// <summary>Kinds of patient entries. Values are stored on the chain and never renumbered.</summary>
public enum EntryType : byte
{
    /// <summary>Admission to a ward and bed.</summary>
    Admission = 1,
    /// <summary>Visit or consultation.</summary>
    Visit = 2,
    /// <summary>Transfer to another ward or bed.</summary>
    Transfer = 3,
    /// <summary>Discharge.</summary>
    Discharge = 4,
    /// <summary>A charge on the hospital account.</summary>
    Charge = 5,
    /// <summary>A payment on the hospital account.</summary>
    Payment = 6,
}
