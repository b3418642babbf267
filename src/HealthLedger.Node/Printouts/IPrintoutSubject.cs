using HealthLedger.Core.Primitives;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Printouts;

/// <summary>
/// A kind of record other than medical reports whose printouts the node records (<see cref="PrintoutRecorder"/>): the file
/// check (<c>POST /api/v1/verify/file</c>) and the verification-code check (<c>/verify</c>) ask it about its own pointers
/// and codes. Implemented by the laboratory (lab reports).
/// </summary>
public interface IPrintoutSubject
{
    /// <summary>The subject its printouts are recorded under.</summary>
    PrintoutSubject Subject { get; }

    /// <summary>
    /// What a file whose hash <paramref name="hash"/> the chain points at (<paramref name="id"/>, <paramref name="version"/>)
    /// is, named only to a caller who may read it (a recorded disclosure), else only that it matches.
    /// </summary>
    FileMatch Match(UserSession actor, string id, int version, Hash256 hash);

    /// <summary>The anonymous authenticity check of a printed code's version, or null when no such version has that transaction prefix.</summary>
    Task<ReportCheck?> CheckCodeAsync(string id, int version, string txPrefix, CancellationToken ct);
}
