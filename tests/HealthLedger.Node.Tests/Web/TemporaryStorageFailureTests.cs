using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace HealthLedger.Node.Tests.Web;

/// <summary>
/// Which errors met while a request's body is read through a buffer that spills to the temporary folder are that folder's (503)
/// and which the client's (400): the classification <see cref="TemporaryStorageFailureException.IsTemporaryFolders"/> makes.
/// </summary>
public sealed class TemporaryStorageFailureTests
{
    [Fact]
    public void A_full_disk_access_refused_and_a_missing_folder_are_the_node_s()
    {
        // The real error of a write to a full device (ENOSPC), as .NET raises it.
        var full = Assert.ThrowsAny<IOException>(() => File.WriteAllBytes("/dev/full", new byte[8192]));
        Assert.True(TemporaryStorageFailureException.IsTemporaryFolders(full), full.ToString());
        Assert.True(TemporaryStorageFailureException.IsTemporaryFolders(new UnauthorizedAccessException("Access to the path is denied.")));
        Assert.True(TemporaryStorageFailureException.IsTemporaryFolders(new DirectoryNotFoundException("/no/such/folder")));
        var wrapped = new TemporaryStorageFailureException(full);
        Assert.StartsWith("The node's temporary folder refused a request's body: ", wrapped.Message, StringComparison.Ordinal);
        Assert.Same(full, wrapped.InnerException);
    }

    [Fact]
    public void A_body_that_breaks_off_or_is_malformed_is_the_client_s()
    {
        Assert.False(TemporaryStorageFailureException.IsTemporaryFolders(new BadHttpRequestException("Unexpected end of request content.", 400)));
        Assert.False(TemporaryStorageFailureException.IsTemporaryFolders(new ConnectionResetException("The client reset the request stream.")));
        Assert.False(TemporaryStorageFailureException.IsTemporaryFolders(new IOException("Unexpected end of Stream, the content may have already been read by another component.")));
        Assert.False(TemporaryStorageFailureException.IsTemporaryFolders(new InvalidDataException("Multipart body length limit 16384 exceeded.")));
    }

    [Fact]
    public void Sign_in_keys_that_cannot_be_written_are_told_apart_from_other_cryptographic_failures()
    {
        // ASP.NET Core data protection wraps the key repository's write failure (a new key due, keys/web/ on a full disk).
        var full = Assert.ThrowsAny<IOException>(() => File.WriteAllBytes("/dev/full", new byte[8192]));
        Assert.True(ErrorPages.SignInKeysUnavailable(new System.Security.Cryptography.CryptographicException("An exception occurred while trying to encrypt the provided data.",
            new InvalidOperationException("The key ring could not be written.", full))));
        Assert.True(ErrorPages.SignInKeysUnavailable(new System.Security.Cryptography.CryptographicException("x", new UnauthorizedAccessException("Access to the path is denied."))));
        // A payload that does not decrypt (a forged or old cookie) is not the disk's.
        Assert.False(ErrorPages.SignInKeysUnavailable(new System.Security.Cryptography.CryptographicException("The payload was invalid.")));
        Assert.False(ErrorPages.SignInKeysUnavailable(full));
        Assert.False(ErrorPages.SignInKeysUnavailable(null));
    }
}
