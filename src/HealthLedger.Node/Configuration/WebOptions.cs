using System.Net;

namespace HealthLedger.Node.Configuration;

/// <summary>
/// How the web UI and API face their users, resolved at start from <see cref="NodeOptions"/> (first) and node.json: the public
/// address for printouts, the HTTPS certificate, the trusted reverse proxies, and whether the node is reached over HTTPS.
/// </summary>
public sealed record WebOptions
{
    /// <summary>The public address (no trailing slash), or null to use each request's own scheme and host.</summary>
    public Uri? PublicUrl { get; init; }

    /// <summary>The configured certificate file, or null for the data folder's self-signed one.</summary>
    public string? CertificatePath { get; init; }

    /// <summary>The PEM key file of <see cref="CertificatePath"/>, when separate.</summary>
    public string? CertificateKeyPath { get; init; }

    /// <summary>Reverse proxies whose forwarded headers are believed (empty: none, and the middleware is off).</summary>
    public IReadOnlyList<IPAddress> KnownProxies { get; init; } = [];

    /// <summary>
    /// True when users reach the node over HTTPS only: an https listening URL or an https public URL. (Behind a trusted proxy
    /// alone, each request's forwarded scheme decides.)
    /// </summary>
    public bool Https { get; init; }

    /// <summary>True when every listening URL is https (so no request reaches the node over plain HTTP but through a proxy).</summary>
    public bool HttpsOnly { get; init; }

    /// <summary>The URL printed on report printouts for checking them.</summary>
    public string VerifyUrl(string requestScheme, string requestHost) =>
        PublicUrl is { } url ? url.GetLeftPart(UriPartial.Authority) + url.AbsolutePath.TrimEnd('/') + "/verify" : $"{requestScheme}://{requestHost}/verify";

    /// <summary>Resolves and validates the settings.</summary>
    /// <exception cref="InvalidOperationException">A setting is not valid (named in the message).</exception>
    public static WebOptions Resolve(NodeOptions options, NodeConfig? config, string urls)
    {
        var publicText = options.PublicUrl ?? config?.PublicUrl;
        Uri? publicUrl = null;
        if (publicText is { Length: > 0 })
        {
            if (!Uri.TryCreate(publicText, UriKind.Absolute, out publicUrl) || publicUrl.Scheme is not ("http" or "https") || publicUrl.Query.Length > 0 || publicUrl.Fragment.Length > 0)
            {
                throw new InvalidOperationException($"The public URL '{publicText}' must be an absolute http:// or https:// URL without query, e.g. https://records.hospital.example.");
            }
        }
        var proxies = new List<IPAddress>();
        foreach (var proxy in options.KnownProxies ?? config?.KnownProxies ?? [])
        {
            if (!IPAddress.TryParse(proxy, out var address)) throw new InvalidOperationException($"The known proxy '{proxy}' is not an IP address.");
            proxies.Add(address);
        }
        var certificate = options.CertificatePath ?? config?.Certificate;
        var key = options.CertificateKeyPath ?? config?.CertificateKey;
        if (certificate is not null && !File.Exists(certificate)) throw new InvalidOperationException($"The certificate file {certificate} does not exist.");
        if (key is not null && !File.Exists(key)) throw new InvalidOperationException($"The certificate key file {key} does not exist.");
        var listening = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var listensHttps = listening.Any(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
        return new WebOptions
        {
            PublicUrl = publicUrl,
            CertificatePath = certificate,
            CertificateKeyPath = key,
            KnownProxies = proxies,
            Https = listensHttps || publicUrl?.Scheme == "https",
            HttpsOnly = listening.Length > 0 && listening.All(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase)),
        };
    }
}
