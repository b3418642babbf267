using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Testing;

namespace HealthLedger.Cli.Tests;

/// <summary>A node whose data folder's disk stalls (frozen, as a hung or failing disk stalls writes) says so on <c>/healthz</c>.</summary>
public class FrozenDiskTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Break-it (2026-12-06): with the data folder's disk frozen (fsfreeze), every read of records waited for its disclosures to be
    // written while /healthz answered 200, so monitoring saw a healthy node that answered no read. /healthz now answers 503
    // naming the stalled write once it has not returned for 5 s; the waiting read is answered once the disk is thawed.
    [Fact]
    public async Task A_stalled_disk_under_the_disclosures_makes_healthz_answer_503_and_the_waiting_read_is_answered_once_it_thaws()
    {
        using var frozen = await FrozenNode.StartAsync();
        var (disk, data, node, monitor, admin) = frozen;
        using (var patient = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "FZ-1", fullName = "Frida Frost", dateOfBirth = "1980-02-03", gender = "female" }, Ct))
        {
            Assert.True(patient.IsSuccessStatusCode, await patient.Content.ReadAsStringAsync(Ct));
        }

        disk.Freeze();
        Task<HttpResponseMessage> read, registration;
        try
        {
            // The list shows the patient: the read records a disclosure, whose write to the frozen disk does not return.
            read = admin.GetAsync("/api/v1/patients", Ct);
            // (Before 5 s the store probe's own read may stall too: 503 naming the database and the disk.)
            var said = await HealthSaysAsync(monitor, "has been writing who read which records to its disk since");
            Assert.Contains("reads of records wait for it", said, StringComparison.Ordinal);
            Assert.False(read.IsCompleted);
            // A registration meanwhile stalls on the login store too: /healthz names both writes, not only the first it checks.
            registration = admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "FZ-3", fullName = "Fay Frost", dateOfBirth = "1982-03-04", gender = "female" }, Ct);
            var both = await HealthSaysAsync(monitor, "has been writing its login store (keystore.db) since");
            Assert.Contains("has been writing who read which records to its disk since", both, StringComparison.Ordinal);
        }
        finally
        {
            disk.Thaw();
        }
        using (var registered = await registration)
        {
            Assert.True(registered.StatusCode == HttpStatusCode.Created, await registered.Content.ReadAsStringAsync(Ct));
        }
        using (var answered = await read)
        {
            var body = await answered.Content.ReadAsStringAsync(Ct);
            Assert.True(answered.StatusCode == HttpStatusCode.OK, body);
            Assert.Contains("Frida Frost", body, StringComparison.Ordinal);
        }
        using (var health = await monitor.GetAsync("/healthz", Ct)) Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        node.Terminate();
        await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, node.ExitCode);
    }

    // Break-it (2026-12-07): a registration whose write to the login store (keystore.db) did not return held that store's lock,
    // so every sign-in waited behind it (21.7 s for one) while /healthz answered 200; and a node stopped while its disk was
    // frozen said nothing at all until the disk thawed. /healthz now names the stalled login store, and a stop that leaves a
    // write waiting in the kernel says so on stderr; thawed, the process ends and its folder verifies.
    [Fact]
    public async Task A_stalled_login_store_makes_healthz_answer_503_and_a_stop_that_waits_for_the_disk_says_so()
    {
        using var frozen = await FrozenNode.StartAsync();
        var (disk, data, node, monitor, admin) = frozen;

        disk.Freeze();
        try
        {
            // A registration seals the patient's login into keystore.db first: that write does not return.
            var registration = admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "FZ-2", fullName = "Frank Frost", dateOfBirth = "1975-04-05", gender = "male" }, Ct);
            var said = await HealthSaysAsync(monitor, "has been writing its login store (keystore.db) since");
            Assert.Contains("Login store unavailable", said, StringComparison.Ordinal);
            Assert.False(registration.IsCompleted);

            // The stop waits for the disk: on its way out (closing the keystore waits for the stalled write), said after 10 s
            // (event 1029) before the command cuts the stop off at 14 s; or, its own work done, with a request's write still
            // waiting in the kernel, said on stderr. Either way the process ends only once the disk answers.
            node.Terminate();
            await LocalCluster.PollAsync("the stop says it waits for the disk", () => Task.FromResult(
                node.Stdout.Contains($"[1029] The node has been stopping for 10 s: a write on its way out has not returned. Check the disk holding {data}", StringComparison.Ordinal)
                || node.Stderr.Contains($"warning: the node has stopped, but a write to its disk under way since", StringComparison.Ordinal)),
                () => node.Stdout + node.Stderr, TimeSpan.FromSeconds(90));
        }
        finally
        {
            disk.Thaw();
        }
        await node.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, (await CliProcess.RunAsync("verify", "--data", data)).ExitCode);
    }

    // A new network's node on a frozen disk's folder "data" (not yet frozen), a client for /healthz and one signed in as the admin;
    // disposed in turn, the disk last.
    private sealed class FrozenNode(FrozenDisk disk, string data, CliProcess node, HttpClient monitor, HttpClient admin) : IDisposable
    {
        public static async Task<FrozenNode> StartAsync()
        {
            var disk = new FrozenDisk(128);
            var data = Path.Combine(disk.Path, "data");
            FrozenNode? frozen = null;
            try
            {
                Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
                var url = new Uri($"http://127.0.0.1:{CliProcess.FreePort()}");
                frozen = new FrozenNode(disk, data, CliProcess.Start("up", "--data", data, "--urls", url.ToString().TrimEnd('/')),
                    new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) }, new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(2) });
                await frozen._node.WaitUntilServingAsync();
                using var login = await frozen._admin.PostAsJsonAsync("/api/v1/auth/token", new { username = "admin", password = CliProcess.Password }, Ct);
                Assert.True(login.IsSuccessStatusCode, await login.Content.ReadAsStringAsync(Ct));
                frozen._admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await login.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("accessToken").GetString());
                return frozen;
            }
            catch
            {
                // not left mounted when the start fails
                if (frozen is null) disk.Dispose();
                else frozen.Dispose();
                throw;
            }
        }

        private readonly HttpClient _admin = admin;
        private readonly CliProcess _node = node;

        public void Deconstruct(out FrozenDisk frozenDisk, out string folder, out CliProcess process, out HttpClient health, out HttpClient signedIn) =>
            (frozenDisk, folder, process, health, signedIn) = (disk, data, _node, monitor, _admin);

        public void Dispose()
        {
            _admin.Dispose();
            monitor.Dispose();
            _node.Dispose();
            disk.Dispose();
        }
    }

    // Polls /healthz until it answers 503 saying `text` (at most a minute); returns its body.
    private static async Task<string> HealthSaysAsync(HttpClient monitor, string text)
    {
        var said = "";
        await LocalCluster.PollAsync($"/healthz answers 503 saying \"{text}\"", async () =>
        {
            using var health = await monitor.GetAsync("/healthz", Ct);
            said = await health.Content.ReadAsStringAsync(Ct);
            return health.StatusCode == HttpStatusCode.ServiceUnavailable && said.Contains(text, StringComparison.Ordinal);
        }, () => said, TimeSpan.FromSeconds(60));
        return said;
    }
}
