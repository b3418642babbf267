using HealthLedger.Core.Records;

namespace HealthLedger.Node.MedicalReports;

/// <summary>One version of a medical report, decrypted in memory only.</summary>
public sealed record ReportView(ReportState State, ReportContent Content)
{
    public string Id => State.Id;
    public string PatientId => State.PatientId;
    public int Version => State.Version;
    public ReportType Type => State.Type;
    public string AuthorId => State.AuthorId;
    public RecordProof Proof => State.Proof;

    /// <summary>The code printed on a report's PDF: it names the report, the version and the start of its transaction id.</summary>
    public string VerificationCode => $"HL-{Id}-v{Version}-{Proof.TxId.ToString()[..10]}";
}
