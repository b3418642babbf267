using System.CommandLine;

namespace HealthLedger.Cli.Commands;

/// <summary>Options and helpers shared by commands.</summary>
internal static class CommonOptions
{
    public const string DefaultData = "./healthledger-data";
    public const string DefaultUrl = "http://localhost:5080";
    public const string PasswordVariable = "HEALTHLEDGER_ADMIN_PASSWORD";
    public const string DefaultOrganisation = "General Hospital";

    public static Option<string> Data(bool required) => new("--data", "-d")
    {
        Description = "The node's data folder" + (required ? "" : $" (default {DefaultData})"),
        Required = required,
        DefaultValueFactory = required ? null! : _ => DefaultData,
    };

    public static Option<string> Organisation() => new("--org")
    {
        Description = $"Name of the founding organisation (default \"{DefaultOrganisation}\")",
        DefaultValueFactory = _ => DefaultOrganisation,
    };

    public static Option<int> Nodes(bool required) => new("--nodes", "-n")
    {
        Description = "Number of voting nodes (4 tolerates 1 faulty node, 7 tolerates 2; 2 and 3 tolerate none, 5 and 6 one)",
        Required = required,
        DefaultValueFactory = _ => 4,
    };

    public static Option<int> BasePort() => new("--base-port")
    {
        Description = "Web port of node 1; node K uses base + K - 1, and its peer endpoint base + 100 + K - 1 (default 5080)",
        DefaultValueFactory = _ => 5080,
    };

    /// <summary>Prints one error line to stderr and returns the exit code.</summary>
    public static int Fail(string message, int code = 2)
    {
        Console.Error.WriteLine($"error: {message}");
        return code;
    }

    public static string? AdminPassword() => Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 } p ? p : null;
}
