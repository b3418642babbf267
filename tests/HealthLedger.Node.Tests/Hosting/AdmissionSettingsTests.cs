using HealthLedger.Node.Configuration;
using HealthLedger.Testing;

namespace HealthLedger.Node.Tests.Hosting;

/// <summary>node.json's "admission" block: read into the options (missing fields keep their defaults), refused with one line naming the field when a value is bad.</summary>
public class AdmissionSettingsTests
{
    private static string Write(TempDirectory folder, string admission)
    {
        Directory.CreateDirectory(folder.Combine("data"));
        File.WriteAllText(folder.Combine("data", NodeConfig.FileName), $$"""{ "urls": "http://127.0.0.1:5080", "admission": {{admission}} }""");
        return folder.Combine("data");
    }

    [Fact]
    public void The_admission_block_is_read_into_the_options_and_missing_fields_keep_their_defaults()
    {
        using var folder = new TempDirectory();
        var data = Write(folder, """{ "writes": 48, "mempool": 5000, "targetLatencyMs": 400 }""");
        var options = NodeConfig.Read(new DataDirectory(data))!.Options(data);
        Assert.Equal(48, options.Admission.Writes);
        Assert.Equal(400, options.Admission.TargetLatencyMs);
        Assert.Equal(5000, options.MempoolCapacity);
        Assert.Equal(AdmissionLimits.Default.Reads, options.Admission.Reads);
        Assert.Equal(1, options.Admission.RetryAfterSeconds);
    }

    [Fact]
    public void Without_an_admission_block_the_defaults_hold()
    {
        using var folder = new TempDirectory();
        Directory.CreateDirectory(folder.Combine("data"));
        File.WriteAllText(folder.Combine("data", NodeConfig.FileName), """{ "urls": "http://127.0.0.1:5080" }""");
        var options = NodeConfig.Read(new DataDirectory(folder.Combine("data")))!.Options(folder.Combine("data"));
        Assert.Equal(64 * Environment.ProcessorCount, options.Admission.Writes);
        Assert.Equal(0, options.Admission.TargetLatencyMs);
        Assert.Equal(200_000, options.MempoolCapacity);
    }

    [Theory]
    [InlineData("""{ "writes": 0 }""", "admission.writes", "must be at least 1")]
    [InlineData("""{ "reads": -5 }""", "admission.reads", "must be at least 1")]
    [InlineData("""{ "retryAfterSeconds": 0 }""", "admission.retryAfterSeconds", "must be between 1 and 3600")]
    [InlineData("""{ "mempool": 0 }""", "admission.mempool", "must be at least 1")]
    [InlineData("""{ "targetLatencyMs": -1 }""", "admission.targetLatencyMs", "must be between 0 (no adaptation) and 60000")]
    [InlineData("""{ "uploads": 0 }""", "admission.uploads", "must be at least 1")]
    public void A_bad_limit_is_refused_with_one_line_naming_the_field(string admission, string field, string message)
    {
        using var folder = new TempDirectory();
        var data = Write(folder, admission);
        var e = Assert.Throws<InvalidDataException>(() => NodeConfig.Read(new DataDirectory(data)));
        Assert.Contains($"{NodeConfig.FileName}: {field}: {message}", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    // Break-it (2026-12-07): valid JSON of the wrong type was "is not valid JSON".
    [Theory]
    [InlineData("[]", "node.json is not a node configuration: it must be a JSON object of settings")]
    [InlineData("\"http://localhost:5080\"", "node.json is not a node configuration: it must be a JSON object of settings")]
    [InlineData("""{ "urls": 123 }""", "node.json: urls has a value of the wrong type")]
    [InlineData("""{ "urls": [] }""", "node.json: urls has a value of the wrong type")]
    [InlineData("""{ "admission": { "writes": "many" } }""", "node.json: admission.writes has a value of the wrong type")]
    public void Valid_json_of_the_wrong_type_is_refused_naming_the_setting(string json, string message)
    {
        var (e, _) = ReadRefused(json);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("valid JSON", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    // Break-it (2026-12-07): an unknown time zone in node.json was "error: Unknown time zone 'Mars/Olympus' …" after the start-up
    // check had run, naming neither the file nor the setting; it is refused when node.json is read, as the other settings are.
    [Fact]
    public void An_unknown_time_zone_is_refused_when_node_json_is_read_naming_the_setting()
    {
        using var folder = new TempDirectory();
        Directory.CreateDirectory(folder.Combine("data"));
        File.WriteAllText(folder.Combine("data", NodeConfig.FileName), """{ "timeZone": "Mars/Olympus" }""");
        var e = Assert.Throws<InvalidDataException>(() => NodeConfig.Read(new DataDirectory(folder.Combine("data"))));
        Assert.Equal($"{folder.Combine("data", NodeConfig.FileName)}: timeZone: unknown time zone \"Mars/Olympus\": use an IANA id such as \"UTC\" or \"Europe/Berlin\".", e.Message);
        File.WriteAllText(folder.Combine("data", NodeConfig.FileName), """{ "timeZone": "Europe/Berlin" }""");
        Assert.Equal("Europe/Berlin", NodeConfig.Read(new DataDirectory(folder.Combine("data")))!.TimeZone);
    }

    [Theory]
    [InlineData("""{ "urls": "http://127.0.0.1:5080", "admission": { "writez": 5 } }""", "admission.writez")]
    [InlineData("""{ "urls": "http://127.0.0.1:5080", "admision": { "writes": 5 } }""", "admision")]
    [InlineData("""{ "urls": "http://127.0.0.1:5080", "hospital": { "nmae": "St Mary" } }""", "hospital.nmae")]
    public void A_misspelt_setting_is_refused_naming_it_rather_than_silently_ignored(string json, string setting)
    {
        // The fault: "writez" started the node with the default write budget, and nobody was told.
        var (e, _) = ReadRefused(json);
        Assert.Contains($"{NodeConfig.FileName}: {setting} is not a setting of node.json", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("HealthLedger.", e.Message, StringComparison.Ordinal); // no .NET type names
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("""{ "urls": "http://127.0.0.1:5080", "urls": "http://0.0.0.0:5080" }""", "urls")]
    [InlineData("""{ "admission": { "writes": 5, "writes": 500 } }""", "admission.writes")]
    public void A_setting_given_twice_is_refused_naming_it_rather_than_its_last_copy_read(string json, string setting)
    {
        // The fault: the second copy won silently, and an editor showing the first misled whoever read the file.
        var (e, path) = ReadRefused(json);
        Assert.Equal($"{path}: {setting} is given more than once; keep one.", e.Message);
    }

    [Theory]
    [InlineData(64, 2, 1, 1, 128)] // a node alone on two cores: the two cores' budget
    [InlineData(64, 2, 4, 1, 32)] // four nodes on two cores ('cluster up', 'consortium up'): a quarter each
    [InlineData(8, 2, 4, 1, 4)]
    [InlineData(64, 1, 100, 1, 1)] // never below the floor
    [InlineData(32L * 1024 * 1024, 2, 128, 1024 * 1024, 1024 * 1024)] // the body bytes' floor: one 1 MiB body
    public void A_node_sharing_the_machine_takes_its_share_of_the_per_processor_budgets(long perProcessor, int processors, int nodes, long atLeast, long expected)
    {
        Assert.Equal(expected, MachineShare.Of(perProcessor, processors, nodes, atLeast));
    }

    // A data folder's node.json holding json, read: the refusal and the file's path (the folder is removed again).
    private static (InvalidDataException Error, string Path) ReadRefused(string json)
    {
        using var folder = new TempDirectory();
        var data = Directory.CreateDirectory(folder.Combine("data")).FullName;
        var path = Path.Combine(data, NodeConfig.FileName);
        File.WriteAllText(path, json);
        return (Assert.Throws<InvalidDataException>(() => NodeConfig.Read(new DataDirectory(data))), path);
    }
}
