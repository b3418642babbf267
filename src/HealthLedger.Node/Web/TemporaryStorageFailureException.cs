using Microsoft.AspNetCore.Http;

namespace HealthLedger.Node.Web;

/// <summary>
/// The node's temporary folder refused a request body that ASP.NET Core spills there while a form is read (a form's body over
/// 30 KiB, its file parts over 64 KiB; the folder is <c>ASPNETCORE_TEMP</c>, else the system's: <c>TMPDIR</c> or <c>/tmp</c>):
/// full, read-only, missing or failing. Not the client's fault, unlike a body that breaks off. A request that meets one is
/// answered 503 "Temporary storage unavailable" with <c>Retry-After</c> (<see cref="ErrorPages"/>), nothing is saved, and the log
/// names the cause (event 1024). The message is the system's error and the folder's path, never the body's content.
/// </summary>
public sealed class TemporaryStorageFailureException(Exception inner) : Exception("The node's temporary folder refused a request's body: " + inner?.Message, inner)
{
    /// <summary>The folder ASP.NET Core buffers request bodies in: <c>ASPNETCORE_TEMP</c>, else the system's temporary folder.</summary>
    public static string Folder => Environment.GetEnvironmentVariable("ASPNETCORE_TEMP") is { Length: > 0 } set ? set : Path.GetTempPath();

    /// <summary>
    /// Whether <paramref name="error"/>, met while a request's body was read through a buffer that spills to the temporary folder,
    /// is that folder's failure rather than the client's: an error of a file-system call (an <see cref="IOException"/> carrying the
    /// system's error number, as .NET raises for <c>ENOSPC</c>, <c>EROFS</c>, <c>EIO</c>, <c>EDQUOT</c>), access refused, or the folder
    /// missing. A client's body that breaks off or is malformed is a <see cref="BadHttpRequestException"/> or an
    /// <see cref="IOException"/> without an error number, and is not one.
    /// </summary>
    public static bool IsTemporaryFolders(Exception error) => error is UnauthorizedAccessException or DirectoryNotFoundException
        || (error is IOException { HResult: > 0 } && error is not BadHttpRequestException);
}
