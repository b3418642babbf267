using System.CommandLine;
using HealthLedger.Core.Model;

namespace HealthLedger.Cli.Commands;

/// <summary>Options and helpers shared by commands.</summary>
internal static class CommonOptions
{
    public const string DefaultData = "./healthledger-data";
    public const string DefaultUrl = "http://localhost:5080";
    public const string PasswordVariable = "HEALTHLEDGER_ADMIN_PASSWORD";
    public const string DefaultOrganisation = "General Hospital";

    /// <summary>"1 block", "2 blocks": a count and its noun, plural unless it is 1 (English output of the commands).</summary>
    public static string Count(long n, string noun) => $"{n.ToString(System.Globalization.CultureInfo.InvariantCulture)} {noun}{(n == 1 ? "" : "s")}";

    public static Option<string> Data(bool required, string what = "The node's data folder") => new("--data", "-d")
    {
        Description = what + (required ? "" : $" (default {DefaultData})"),
        Required = required,
        DefaultValueFactory = required ? null! : _ => DefaultData,
    };

    /// <summary>--contact: the organisation's switchboard, on the chain and the public on-call page (init, and up when it creates the network).</summary>
    public static Option<string> Contact() => new("--contact")
    {
        Description = $"The organisation's switchboard: one line of at most {OrganisationRecord.MaxContactBytes} bytes, a phone number or mailbox, shown on the public on-call page (/on-call); " +
            "it cannot be changed later (default: none, \"not published\")",
        DefaultValueFactory = _ => "",
    };

    public static Option<string> Organisation() => new("--org")
    {
        Description = $"Name of the founding organisation (default \"{DefaultOrganisation}\")",
        DefaultValueFactory = _ => DefaultOrganisation,
    };

    /// <summary>Which admin signs (seed, load): 'admin', or admin.&lt;organisation id&gt; in a folder made by 'consortium up'.</summary>
    public static Option<string> Admin() => new("--admin")
    {
        Description = "The admin who signs (default 'admin'; in a consortium made by 'consortium up': admin.<organisation id>)",
        DefaultValueFactory = _ => Node.Hosting.NetworkInitializer.AdminUser,
    };

    public static Option<int> Nodes(bool required, bool defaultFour = true) => new Option<int>("--nodes", "-n")
    {
        Description = "Number of voting nodes (4 tolerates 1 faulty node, 7 tolerates 2; 2 and 3 tolerate none, 5 and 6 one)" +
            (defaultFour ? "" : "; without it, one node"),
        Required = required,
        DefaultValueFactory = defaultFour ? (Func<System.CommandLine.Parsing.ArgumentResult, int>)(_ => 4) : null,
    }.WholeNumber(1, ValidatorSet.MaxNodes, "nodes");

    public static Option<int> BasePort() => new Option<int>("--base-port")
    {
        Description = "Web port of node 1; node K uses base + K - 1, and its peer endpoint base + 100 + K - 1 (default 5080)",
        DefaultValueFactory = _ => 5080,
    }.WholeNumber(1, 65_535);

    /// <summary>The genesis block's network policy options (how long care relationships last), for every command that creates a network.</summary>
    public sealed class PolicyOptions
    {
        public Option<string> AfterDischarge { get; } = new("--care-after-discharge-days")
        {
            Description = $"Days the doctors of a stay keep access to the patient's record after the discharge, 0 to {NetworkPolicy.MaxCareDays} (default {NetworkPolicy.Default.CareAfterDischargeDays}); admins change it later with PUT /api/v1/policy",
            DefaultValueFactory = _ => NetworkPolicy.Default.CareAfterDischargeDays.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        public Option<string> AfterVisit { get; } = new("--care-after-visit-days")
        {
            Description = $"Days a visit recorded by the organisation gives its doctor access, 1 to {NetworkPolicy.MaxCareDays} (default {NetworkPolicy.Default.CareAfterVisitDays})",
            DefaultValueFactory = _ => NetworkPolicy.Default.CareAfterVisitDays.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        public IEnumerable<Option> All => [AfterDischarge, AfterVisit];

        /// <summary>The policy, or the one-line problem with a value (not a whole number, or out of range).</summary>
        public (NetworkPolicy? Policy, string? Problem) Read(ParseResult parse)
        {
            var values = new List<int>();
            // A negative or too large whole number is out of range, not "not a whole number": every problem names the range.
            foreach (var (option, least) in new[] { (AfterDischarge, 0), (AfterVisit, 1) })
            {
                var text = parse.GetValue(option)?.Trim() ?? "";
                if (!int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var days))
                {
                    return (null, $"{option.Name} must be a whole number of days from {least} to {NetworkPolicy.MaxCareDays} (got '{text}').");
                }
                values.Add(days);
            }
            var policy = new NetworkPolicy(values[0], values[1]);
            return Node.Hosting.NetworkInitializer.PolicyProblem(policy) is { } problem ? (null, problem) : (policy, null);
        }
    }

    /// <summary>
    /// Prints one error line to stderr and returns the exit code. Control characters in <paramref name="message"/> (which may
    /// quote a key or name read from a damaged ledger: a line break, an escape sequence) are printed as <c>\uXXXX</c>, so the
    /// line stays one line and cannot drive the terminal.
    /// </summary>
    public static int Fail(string message, int code = 2)
    {
        Console.Error.WriteLine($"error: {Printable(message)}");
        return code;
    }

    /// <summary>
    /// <paramref name="text"/> with each control character (<see cref="char.IsControl(char)"/>), line or paragraph separator
    /// (U+2028, U+2029) and format character (Unicode category Cf: the bidirectional overrides such as U+202E, which reorder what a
    /// terminal shows) written as <c>\uXXXX</c>, so that one error line stays one line and reads as it is.
    /// </summary>
    public static string Printable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Any(Unprintable)) return text;
        var printable = new System.Text.StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (Unprintable(c)) printable.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            else printable.Append(c);
        }
        return printable.ToString();
    }

    private static bool Unprintable(char c) => char.IsControl(c) || char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.LineSeparator
        or System.Globalization.UnicodeCategory.ParagraphSeparator or System.Globalization.UnicodeCategory.Format;

    /// <summary>
    /// As <see cref="Fail(string, int)"/>; with <paramref name="json"/> (a command's <c>--json</c>) stdout also gets its one JSON
    /// document, <see cref="ErrorJson"/>, so a script reading stdout always has one to read.
    /// </summary>
    public static int Fail(string message, bool json, int code = 2)
    {
        if (json) Console.WriteLine(ErrorJson(message));
        return Fail(message, code);
    }

    /// <summary>
    /// Why <paramref name="url"/> (a <c>--url</c>) is not a node's address, or null with the parsed address: it must be an
    /// absolute http:// or https:// URL whose port, when given, is 1 to 65535.
    /// </summary>
    public static string? UrlProblem(string url, out Uri? address)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (Uri.TryCreate(url, UriKind.Absolute, out address) && address.Scheme is "http" or "https") return null;
        address = null;
        var port = System.Text.RegularExpressions.Regex.Match(url, @"^https?://[^/:]+:(\d+)(/|$)", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        return port.Success && (!int.TryParse(port.Groups[1].Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n is < 1 or > 65535)
            ? $"--url: port {port.Groups[1].Value} is out of range (1 to 65535) in '{url}'"
            : $"--url must be an http:// or https:// address (got '{url}')";
    }

    /// <summary>Where an admin's user id comes from, for a message about one that has no login: never a list of the folder's users (patients among them).</summary>
    public const string AdminHint = "a network's first admin is 'admin'; a consortium's organisations' are 'admin.<organisation id>'; 'init' and 'consortium up' print them";

    /// <summary>
    /// Why a node at <paramref name="url"/> could not be reached, in words: "cannot reach the node at URL: …", with the cause
    /// from the innermost exception rather than .NET's "see inner exception", and what to try for the two usual mistakes
    /// (https:// to a node serving plain http; a name that does not resolve).
    /// </summary>
    public static string Unreachable(string url, HttpRequestException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var cause = error.HttpRequestError switch
        {
            HttpRequestError.SecureConnectionError when url.StartsWith("https:", StringComparison.OrdinalIgnoreCase) =>
                "the TLS handshake failed (a node serves plain http unless its urls name https: try http://)",
            HttpRequestError.SecureConnectionError => "the TLS handshake failed",
            HttpRequestError.NameResolutionError => "its host name does not resolve",
            _ => null,
        };
        Exception inner = error;
        while (inner.InnerException is { } next) inner = next;
        var detail = inner == error ? error.Message : inner.Message;
        return $"cannot reach the node at {url}: " + (cause is null ? detail : $"{cause} ({detail})");
    }

    /// <summary>The JSON document of a <c>--json</c> command that could not do its work: <c>{"ok":false,"error":"…"}</c>.</summary>
    public static string ErrorJson(string message) => System.Text.Json.JsonSerializer.Serialize(new { ok = false, error = message });

    /// <summary>Prints a first admin's login: the generated password once, or where the password came from.</summary>
    public static void PrintAdminLogin(string user, string? generatedPassword)
    {
        if (generatedPassword is { } password)
        {
            Console.WriteLine($"Admin login: user '{user}', password {password}");
            Console.WriteLine("This password is shown only once. Keep it safe.");
        }
        else
        {
            Console.WriteLine($"Admin login: user '{user}', password from {PasswordVariable}");
        }
    }

    public static string? AdminPassword() => Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 } p ? p : null;
}
