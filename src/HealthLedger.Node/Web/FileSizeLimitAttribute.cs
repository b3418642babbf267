namespace HealthLedger.Node.Web;

/// <summary>
/// Endpoint metadata: the largest file (in bytes) the page's form takes, when it is smaller than the page's body cap
/// (<see cref="RequestBodyLimits.For"/>) — an expense's invoice, a consortium join request. The page checks the file's size
/// itself; an upload over the whole body cap is refused before the page runs (413), and the error page then names this
/// limit, the one the user has to meet, not the body cap (<see cref="RequestBodyLimits.FileLimit"/>).
/// </summary>
/// <param name="bytes">The largest file, in bytes.</param>
[AttributeUsage(AttributeTargets.Class)]
public sealed class FileSizeLimitAttribute(long bytes) : Attribute
{
    /// <summary>The largest file, in bytes.</summary>
    public long Bytes { get; } = bytes;
}
