using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace HealthLedger.Cli;

/// <summary>The one line the CLI prints for a command line that does not parse (System.CommandLine's first error, in plain words).</summary>
public static partial class CommandLineErrors
{
    private sealed record Range(long Min, long Max, string Unit);

    private static readonly ConditionalWeakTable<Option, Range> Ranges = [];

    /// <summary>
    /// Gives a whole-number option its range: a value outside it, or one that is not a whole number at all (text, a fraction, a
    /// number too large for the type), is the parse error "--minutes must be a whole number from 1 to 43200 (got '…')".
    /// </summary>
    public static TOption WholeNumber<TOption>(this TOption option, long min, long max, string unit = "") where TOption : Option
    {
        ArgumentNullException.ThrowIfNull(option);
        var range = new Range(min, max, unit);
        Ranges.AddOrUpdate(option, range);
        option.Validators.Add(result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : null;
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && (value < min || value > max))
            {
                result.AddError(RangeMessage(option.Name, range, value.ToString(CultureInfo.InvariantCulture)));
            }
        });
        return option;
    }

    /// <summary>
    /// Makes an empty or blank value of every text option and argument of <paramref name="command"/> and its subcommands a parse
    /// error ("--store must not be empty …"): such a value must not silently mean something else (an empty --store meant the SQLite
    /// default). Leave the option out for its default.
    /// </summary>
    public static void RefuseEmptyValues(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in command.Options.Where(o => o.ValueType == typeof(string) || o.ValueType == typeof(string[])))
        {
            option.Validators.Add(result =>
            {
                if (result.Tokens.Any(t => string.IsNullOrWhiteSpace(t.Value))) result.AddError(EmptyMessage(option.Name, optional: !option.Required));
            });
        }
        foreach (var argument in command.Arguments.Where(a => a.ValueType == typeof(string) || a.ValueType == typeof(string[]) || a.ValueType == typeof(FileInfo)))
        {
            argument.Validators.Add(result =>
            {
                if (result.Tokens.Any(t => string.IsNullOrWhiteSpace(t.Value))) result.AddError(EmptyMessage(argument.Name.ToUpperInvariant(), optional: false));
            });
        }
        foreach (var subcommand in command.Subcommands) RefuseEmptyValues(subcommand);
    }

    private static string EmptyMessage(string name, bool optional) => $"{name} must not be empty" + (optional ? " (leave it out for its default)" : "");

    private static string RangeMessage(string name, Range range, string got) =>
        $"{name} must be a whole number{(range.Unit.Length > 0 ? " of " + range.Unit : "")} from {range.Min.ToString(CultureInfo.InvariantCulture)} to {range.Max.ToString(CultureInfo.InvariantCulture)} (got {got})";

    /// <summary>"error: … (see 'healthledger consortium up --help')": the first parse error with .NET type names in words.</summary>
    public static string Describe(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        // An unknown word explains more than the "required command" it causes; a range names more than "cannot parse".
        var first = parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal))
            ?? parsed.Errors.FirstOrDefault(e => e.Message.Contains(" must be a whole number", StringComparison.Ordinal))
            ?? parsed.Errors.FirstOrDefault(e => e.Message.Contains(" must not be empty", StringComparison.Ordinal))
            ?? parsed.Errors.FirstOrDefault(e => CannotParse().IsMatch(e.Message))
            ?? parsed.Errors[0];
        var message = first.Message;
        if (CannotParse().Match(message) is { Success: true } bad
            && parsed.CommandResult.Command.Options.FirstOrDefault(o => o.Name == bad.Groups["option"].Value || o.Aliases.Contains(bad.Groups["option"].Value)) is { } option
            && Ranges.TryGetValue(option, out var range))
        {
            message = RangeMessage(option.Name, range, $"'{bad.Groups["value"].Value}'");
        }
        message = TypeName().Replace(message, m => m.Groups[1].Value switch
        {
            "Int32" or "Int64" or "UInt16" or "UInt32" or "UInt64" or "Int16" => "as a whole number",
            "Double" or "Decimal" or "Single" => "as a number",
            "Boolean" => "as true or false",
            "Uri" => "as a URL",
            "TimeSpan" => "as a duration",
            "DateTimeOffset" or "DateTime" => "as a date and time (ISO 8601)",
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

    // 'System.Int32', and a nullable option's 'System.Nullable`1[System.Int32]'.
    [GeneratedRegex(@"(?:as expected type )?'System\.(?:Nullable`1\[System\.)?(\w+)\]?'", RegexOptions.CultureInvariant)]
    private static partial Regex TypeName();

    [GeneratedRegex(@"Cannot parse argument '(?<value>[^']*)' for option '(?<option>[^']+)'", RegexOptions.CultureInvariant)]
    private static partial Regex CannotParse();
}
