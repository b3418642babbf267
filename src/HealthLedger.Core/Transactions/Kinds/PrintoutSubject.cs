namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>What a recorded printout (<see cref="RecordPrintoutPayload"/>) is a printout of.</summary>
public enum PrintoutSubject : byte
{
    /// <summary>A version of a medical report (<c>reportv/&lt;id&gt;/&lt;version&gt;</c>); the content pointer is <c>&lt;id&gt;/&lt;version&gt;</c>.</summary>
    Report = 1,

    /// <summary>
    /// A validated lab order's report: the order's step <c>Version</c>, which must be a validation (<c>laborder/&lt;id&gt;</c>);
    /// the content pointer is <c>laborder/&lt;id&gt;/&lt;version&gt;</c>.
    /// </summary>
    LabReport = 2,

    /// <summary>
    /// A patient's whole record as one reader saw it at the end of block <c>Version</c> (the snapshot height): the patient
    /// (<c>patient/&lt;id&gt;</c>) must exist and the snapshot must not be later than the recording block; the content pointer is
    /// <c>patientrecord/&lt;id&gt;/&lt;height&gt;</c>, and <c>recordprintout/&lt;id&gt;/&lt;height&gt;/&lt;sha256&gt;</c> holds the
    /// recording's proof, so the printed verification code is checked without the file.
    /// </summary>
    PatientRecord = 3,
}
