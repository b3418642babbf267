using HealthLedger.Node.Configuration;
using HealthLedger.Node.Localization;
using HealthLedger.Testing;

namespace HealthLedger.Node.Tests.Hosting;

/// <summary>node.json's "hospital" block: read into the options, refused with one line naming the field when a value is bad.</summary>
public class HospitalSettingsTests
{
    private static string Write(TempDirectory folder, string hospital)
    {
        Directory.CreateDirectory(folder.Combine("data"));
        File.WriteAllText(folder.Combine("data", NodeConfig.FileName), $$"""{ "urls": "http://127.0.0.1:5080", "hospital": {{hospital}} }""");
        return folder.Combine("data");
    }

    // Break-it (2026-12-06): a FIFO in place of a file the node reads at start made it wait forever; the config and key
    // files are refused in one line instead (the caches and records: RegularFileTests, EntrySummaryFileTests).
    [Fact]
    public async Task A_fifo_in_place_of_the_config_or_a_key_file_is_refused_in_one_line_without_waiting()
    {
        using var folder = new TempDirectory();
        var data = new DataDirectory(Write(folder, "{}"));
        File.Delete(Path.Combine(data.Root, NodeConfig.FileName));
        SpecialFiles.MakeFifo(Path.Combine(data.Root, NodeConfig.FileName));
        var config = await Assert.ThrowsAsync<InvalidDataException>(() => Task.Run(() => NodeConfig.Read(data)).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.Equal($"{Path.Combine(data.Root, NodeConfig.FileName)} is not a node configuration: it is empty or not a regular file, such as a FIFO or a device.", config.Message);

        Directory.CreateDirectory(Path.GetDirectoryName(data.OrganisationKeyPath)!);
        SpecialFiles.MakeFifo(data.OrganisationKeyPath);
        var key = await Assert.ThrowsAsync<InvalidDataException>(() => Task.Run(() => DataDirectory.ReadSecret(data.OrganisationKeyPath, 32)).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.Equal($"Key file {data.OrganisationKeyPath} is not a key: it is empty or not a regular file, such as a FIFO or a device.", key.Message);
    }

    [Fact]
    public void The_hospital_block_is_read_into_the_options()
    {
        using var folder = new TempDirectory();
        var data = Write(folder, """{ "name": "Klinik Sonnenberg", "phone": "+41 44 000 00 00", "currency": "CHF", "culture": "de-CH" }""");
        var options = NodeConfig.Read(new DataDirectory(data))!.Options(data);
        Assert.Equal(new HospitalSettings("Klinik Sonnenberg", null, "+41 44 000 00 00", null, "CHF", "de-CH"), options.Hospital);
        Assert.Equal("CHF 1’234.50", new HospitalFormat(options.Hospital).Money(1234.5m));
    }

    [Theory]
    [InlineData("""{ "currency": "euro" }""", "hospital.currency", "'euro' is not an ISO 4217 code")]
    [InlineData("""{ "currency": "EU" }""", "hospital.currency", "'EU' is not an ISO 4217 code")]
    [InlineData("""{ "culture": "xx-NOWHERE" }""", "hospital.culture", "'xx-NOWHERE' is not a known culture name")]
    [InlineData("""{ "culture": "" }""", "hospital.culture", "'' is not a known culture name")]
    public void A_bad_currency_or_culture_is_refused_with_one_line_naming_the_field(string hospital, string field, string message)
    {
        using var folder = new TempDirectory();
        var data = Write(folder, hospital);
        var e = Assert.Throws<InvalidDataException>(() => NodeConfig.Read(new DataDirectory(data)));
        Assert.Contains($"{NodeConfig.FileName}: {field}: {message}", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Options_set_in_code_with_a_bad_culture_are_refused_at_start_naming_the_field()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new HospitalFormat(new HospitalSettings(Culture: "xx-NOWHERE")));
        Assert.StartsWith("hospital.culture: 'xx-NOWHERE'", e.Message, StringComparison.Ordinal);
    }
}
