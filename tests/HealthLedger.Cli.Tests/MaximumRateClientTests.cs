using System.Text.Json.Nodes;
using HealthLedger.Bench;
using HealthLedger.Testing;

namespace HealthLedger.Cli.Tests;

/// <summary>
/// The benchmark's maximum-rate round against a real node that refuses most writes (a write budget of one): an operation is
/// rejected only by a refusal of its first request. Its later steps (a lab order's collection, receipt, results and validation;
/// a prescription's dispense) wait out a refusal and are sent again, as a laboratory or pharmacy carries an order through, so
/// no operation the node had begun to commit is counted as refused at once. (Negative control: with the later steps refused
/// like the first, as before 2026-12-06, this test fails with rejections named "specimen collection: HTTP 503 Busy" and the like.)
/// </summary>
public class MaximumRateClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Only_an_operations_first_request_is_its_refusal_its_later_steps_are_carried_through()
    {
        using var dir = new TempDirectory();
        using var net = await LocalCluster.InitAsync(dir, 1);
        var config = Path.Combine(net.Folder(1), "node.json");
        var settings = JsonNode.Parse(await File.ReadAllTextAsync(config, Ct))!.AsObject();
        settings["admission"] = new JsonObject { ["writes"] = 1 }; // one write at a time: most of the open loop's writes are refused
        await File.WriteAllTextAsync(config, settings.ToJsonString(), Ct);
        await net.StartAsync(net.Folder(1));
        var url = net.Http(net.Folder(1)).BaseAddress!.ToString();

        var bench = new BenchConfig { Patients = 1, Mix = new WorkloadMix { RegisterPatient = 0, Encounter = 0, Charge = 0, Payment = 0, LabReport = 0, GrantRevoke = 0, Read = 0, LabOrder = 1, Dispense = 1 } };
        await using var client = new HealthLedgerClient(url, CliProcess.Password);
        await client.SetupAsync(bench, _ => { }, Ct);
        var round = new RoundConfig { Name = "maximum-rate", Control = RateControl.MaximumRate, Tps = 20, StepFactor = 2, StepSeconds = 1, WarmupSeconds = 0, DurationSeconds = 2 };
        var (ops, _, _) = await new Runner(client, new OpPicker(bench.Mix)).RunAsync(round, _ => { }, Ct);

        var rejected = ops.Where(o => o.Rejected).ToList();
        Assert.NotEmpty(rejected); // the node did refuse: the round found its limit
        Assert.Contains(ops, o => o.Error is null && o.Kind == OpKind.LabOrder);
        Assert.Contains(ops, o => o.Error is null && o.Kind == OpKind.Dispense);
        // Every refusal is of an operation's first request: the step names a later one's refusal would carry are absent.
        var laterSteps = new[] { "specimen collection", "specimen receipt", "lab results", "lab validation", "dispense" };
        var atLaterSteps = rejected.Where(o => laterSteps.Any(s => o.Error!.StartsWith(s + ":", StringComparison.Ordinal))).Select(o => o.Error).ToList();
        Assert.True(atLaterSteps.Count == 0, $"{atLaterSteps.Count} of {rejected.Count} rejections at a later step, e.g. {atLaterSteps.FirstOrDefault()}");
        Assert.All(rejected, o => Assert.Contains("HTTP 503", o.Error!, StringComparison.Ordinal));
        Assert.DoesNotContain(ops, o => o.Error is not null && !o.Rejected); // nothing failed
    }
}
