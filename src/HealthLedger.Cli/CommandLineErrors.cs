using System.CommandLine;
using System.Text.RegularExpressions;

namespace HealthLedger.Cli;

/// <summary>The one line the CLI prints for a command line that does not parse (System.CommandLine's first error, in plain words).</summary>
public static partial class CommandLineErrors
{
    /// <summary>"error: … (see 'healthledger consortium up --help')": the first parse error with .NET type names in words.</summary>
    public static string Describe(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        // An unknown word explains more than the "required command" it causes.
        var first = parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parsed.Errors[0];
        var message = TypeName().Replace(first.Message, m => m.Groups[1].Value switch
        {
            "Int32" or "Int64" or "UInt16" or "UInt32" or "UInt64" or "Int16" => "as a whole number",
            "Double" or "Decimal" or "Single" => "as a number",
            "Boolean" => "as true or false",
            "Uri" => "as a URL",
            "TimeSpan" => "as a duration",
            var other => "as " + other,
        });
        var names = new List<string>();
        for (var result = parsed.CommandResult; result is not null && result.Command is not RootCommand; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Insert(0, result.Command.Name);
        }
        var command = string.Join(' ', names);
        return $"error: {message.TrimEnd('.')} (see 'healthledger {(command.Length > 0 ? command + " " : "")}--help')";
    }

    [GeneratedRegex(@"(?:as expected type )?'System\.(\w+)'", RegexOptions.CultureInvariant)]
    private static partial Regex TypeName();
}
