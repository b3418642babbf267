using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HealthLedger.Node.Configuration;
using HealthLedger.Storage;

namespace HealthLedger.Node.Hosting;

/// <summary>
/// The web UI's HTTPS certificate: the configured file (PFX, or PEM with its key in the same or a separate file), else the data
/// folder's self-signed <c>keys/tls.pfx</c>, made at <c>init</c> or, for an older folder, at the first start on HTTPS.
/// </summary>
public static class WebCertificate
{
    /// <summary>Environment variable holding the password of a configured PFX file, if it has one.</summary>
    public const string PasswordVariable = "HEALTHLEDGER_CERTIFICATE_PASSWORD";

    private static readonly TimeSpan SelfSignedLifetime = TimeSpan.FromDays(825);

    /// <summary>Loads the certificate to serve HTTPS with.</summary>
    /// <exception cref="InvalidOperationException">The file cannot be read as a certificate with a private key.</exception>
    public static X509Certificate2 Load(WebOptions web, DataDirectory data, TimeProvider clock)
    {
        var path = web.CertificatePath;
        if (path is null)
        {
            path = data.WebCertificatePath;
            if (!File.Exists(path)) CreateSelfSigned(path, clock.GetUtcNow());
        }
        try
        {
            var certificate = IsPem(path)
                ? X509Certificate2.CreateFromPemFile(path, web.CertificateKeyPath)
                : X509CertificateLoader.LoadPkcs12FromFile(path, path == data.WebCertificatePath ? null : Environment.GetEnvironmentVariable(PasswordVariable));
            if (!certificate.HasPrivateKey)
            {
                certificate.Dispose();
                throw new InvalidOperationException($"The certificate {path} has no private key; give its key file too (certificateKey).");
            }
            return certificate;
        }
        catch (CryptographicException e)
        {
            throw new InvalidOperationException($"The certificate {path} cannot be loaded: {e.Message} (a PFX file, or a PEM certificate with its key; a PFX password comes from {PasswordVariable}).");
        }
    }

    /// <summary>
    /// Makes a self-signed certificate (ECDSA P-256) for localhost, the loopback addresses and this machine's name, valid from
    /// a day before <paramref name="now"/> for about two years, and writes it with its key as a password-less PFX only the owner
    /// may read (like the node's other keys).
    /// </summary>
    public static void CreateSelfSigned(string path, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=HealthLedger node (self-signed)", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        try
        {
            if (!string.Equals(Environment.MachineName, "localhost", StringComparison.OrdinalIgnoreCase)) names.AddDnsName(Environment.MachineName.ToLowerInvariant());
        }
        catch (ArgumentException)
        {
            // a machine name that is not a DNS name: localhost and the loopback addresses only
        }
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now + SelfSignedLifetime);
        var bytes = certificate.Export(X509ContentType.Pkcs12);
        try
        {
            // Durable and whole (a crash leaves no empty or torn file that would stop the next start), never over a file there.
            DurableFile.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            DurableFile.CreateNew(path, bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static bool IsPem(string path)
    {
        using var reader = new StreamReader(path);
        var start = new char[64];
        var read = reader.ReadBlock(start, 0, start.Length);
        return new string(start, 0, read).TrimStart().StartsWith("-----BEGIN", StringComparison.Ordinal);
    }
}
