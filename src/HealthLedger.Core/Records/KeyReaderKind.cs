namespace HealthLedger.Core.Records;

/// <summary>Who holds an envelope of a patient's category key.</summary>
public enum KeyReaderKind : byte
{
    /// <summary>The patient themself.</summary>
    Patient = 1,

    /// <summary>An organisation: the custodian (the patient's own organisation) or a grantee organisation.</summary>
    Organisation = 2,

    /// <summary>A grantee doctor.</summary>
    Doctor = 3,
}
