using HealthLedger.Testing;

namespace HealthLedger.Cli.Tests;

/// <summary>'up' with bad hospital settings (on the command line or in node.json) stops with one line naming the field.</summary>
public class HospitalSettingsCommandTests
{
    [Theory]
    [InlineData("--currency", "euro", "error: --currency: 'euro' is not an ISO 4217 code")]
    [InlineData("--culture", "xx-NOWHERE", "error: --culture: 'xx-NOWHERE' is not a known culture name")]
    public async Task A_bad_currency_or_culture_option_stops_up_with_one_line_naming_it(string option, string value, string expected)
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        var up = await CliProcess.RunAsync("up", "--data", data, "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}", option, value);
        Assert.Equal(2, up.ExitCode);
        Assert.StartsWith(expected, up.Stderr, StringComparison.Ordinal);
        Assert.Single(up.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task A_bad_currency_in_node_json_stops_up_with_one_line_naming_the_file_and_field()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        var port = CliProcess.FreePort();
        await File.WriteAllTextAsync(Path.Combine(data, "node.json"), $$"""{ "urls": "http://127.0.0.1:{{port}}", "hospital": { "currency": "Franken" } }""", TestContext.Current.CancellationToken);
        var up = await CliProcess.RunAsync("up", "--data", data, "--urls", $"http://127.0.0.1:{port}");
        Assert.Equal(2, up.ExitCode);
        Assert.StartsWith($"error: {Path.Combine(data, "node.json")}: hospital.currency: 'Franken' is not an ISO 4217 code", up.Stderr, StringComparison.Ordinal);
        Assert.Single(up.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
