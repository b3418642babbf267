namespace HealthLedger.Node.Web;

/// <summary>
/// Endpoint metadata: the largest file (in bytes) the page's form takes, when it is smaller than the page's body cap
/// (<see cref="RequestBodyLimits.For(Microsoft.AspNetCore.Http.Endpoint, Configuration.NodeOptions)"/>) — an expense's invoice, a consortium join request. The page checks the file's size
/// itself; an upload over the whole body cap is refused before the page runs (413), and the error page then names this
/// limit, the one the user has to meet, not the body cap (<see cref="RequestBodyLimits.FileLimit"/>). <see cref="Handler"/>
/// names the one handler whose form carries the file: the page's other forms (a budget, a policy) are forms of text.
/// </summary>
/// <param name="bytes">The largest file, in bytes.</param>
[AttributeUsage(AttributeTargets.Class)]
public sealed class FileSizeLimitAttribute(long bytes) : Attribute
{
    /// <summary>The largest file, in bytes.</summary>
    public long Bytes { get; } = bytes;

    /// <summary>The page handler (<c>?handler=</c>) whose form carries the file; null: every form of the page.</summary>
    public string? Handler { get; init; }

    /// <summary>Whether the request's handler (<paramref name="handler"/>, from <c>?handler=</c>) is the one with the file.</summary>
    public bool Covers(string? handler) => Handler is null || string.Equals(handler, Handler, StringComparison.OrdinalIgnoreCase);
}
