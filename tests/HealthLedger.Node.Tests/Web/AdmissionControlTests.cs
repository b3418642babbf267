using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Web;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Web;

/// <summary>
/// Overload is answered at once: writes beyond the node's budget (or beyond a full mempool) get 503 with <c>Retry-After</c> and
/// a problem document, every accepted write commits, no refused one leaves a trace, and reads keep being answered meanwhile.
/// </summary>
public class AdmissionControlTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const int Flood = 40;

    // Blocks are cut 250 ms after the first waiting transaction, so each accepted write holds its place that long at least.
    private static readonly TimeSpan SlowBlocks = TimeSpan.FromMilliseconds(250);

    [Fact]
    public async Task A_write_flood_beyond_the_budget_is_refused_at_once_with_503_and_reads_are_still_answered()
    {
        await using var node = await NodeFixture.StartAsync(configure: o => o with
        {
            BatchDelay = SlowBlocks,
            Admission = new AdmissionLimits { Writes = 2, Reads = 64, RetryAfterSeconds = 2, TargetLatencyMs = 0 }, // a fixed budget of two writes
        });
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var patient = await RegisterAsync(admin);
        var limiter = node.App.Services.GetRequiredService<AdmissionLimiter>();

        var writes = Enumerable.Range(0, Flood).Select(i => Charge(admin, patient, i)).ToList();
        // Once the write budget is all taken, the same client's reads are still served (their own budget).
        while (limiter.Statistics.Writes!.CurrentAvailablePermits > 0 && writes.Any(w => !w.IsCompleted)) await Task.Delay(1, Ct);
        var reads = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => admin.GetAsync($"/api/v1/patients/{patient}/account", Ct)));
        var answers = await Task.WhenAll(writes);

        Assert.All(reads, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(0, limiter.Statistics.Reads!.TotalFailedLeases);
        var accepted = answers.Count(a => a.StatusCode == HttpStatusCode.Created);
        var refused = answers.Where(a => a.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.Equal(Flood, accepted + refused.Count); // nothing but 201 and 503
        Assert.InRange(accepted, 2, Flood - 1);
        Assert.NotEmpty(refused);
        foreach (var r in refused) await AssertBusyAsync(r, "2");
        Assert.Equal(refused.Count, limiter.RefusedWrites);

        // Every accepted charge committed, no refused one did: the account holds exactly the accepted ones.
        var account = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/patients/{patient}/account", Ct);
        Assert.Equal(accepted, account.GetProperty("lines").GetArrayLength());
        Assert.Equal(accepted, account.GetProperty("charges").GetDecimal());
    }

    [Fact]
    public async Task The_node_takes_fewer_writes_at_once_when_admitted_writes_take_longer_than_the_target()
    {
        await using var node = await NodeFixture.StartAsync(configure: o => o with
        {
            BatchDelay = SlowBlocks,
            Admission = new AdmissionLimits { Writes = 16, TargetLatencyMs = 50 }, // every write takes 250 ms at least: over the target
        });
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var patient = await RegisterAsync(admin);
        var limiter = node.App.Services.GetRequiredService<AdmissionLimiter>();
        Assert.Equal(16, limiter.WriteLimit);

        // One write after another for more than half a second (the adaptation's window): the limit shrinks by a tenth at least once.
        for (var i = 0; i < 4; i++)
        {
            using var charged = await Charge(admin, patient, i);
            Assert.Equal(HttpStatusCode.Created, charged.StatusCode);
        }
        Assert.InRange(limiter.WriteLimit, 1, 14);

        // A flood now finds the smaller budget: the excess is refused at once, the rest commit.
        var answers = await Task.WhenAll(Enumerable.Range(10, Flood).Select(i => Charge(admin, patient, i)));
        var accepted = answers.Count(a => a.StatusCode == HttpStatusCode.Created);
        var refused = answers.Where(a => a.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.Equal(Flood, accepted + refused.Count);
        Assert.NotEmpty(refused);
        foreach (var r in refused) await AssertBusyAsync(r, "1");
        var account = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/patients/{patient}/account", Ct);
        Assert.Equal(4 + accepted, account.GetProperty("lines").GetArrayLength());
    }

    [Fact]
    public async Task A_write_the_full_mempool_has_no_room_for_is_refused_at_once_with_503()
    {
        await using var node = await NodeFixture.StartAsync(configure: o => o with { BatchDelay = SlowBlocks, MempoolCapacity = 1 });
        var admin = await node.LoginAsync("admin", NodeFixture.Password);

        // Registrations of different patients do not wait for each other: all but the first find the mempool full.
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => admin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = $"MRN-FULL-{i}", fullName = "Flo Od", dateOfBirth = "1980-02-29", gender = "female", conditions = new[] { "Asthma" } }, Ct)));

        var accepted = answers.Count(a => a.StatusCode == HttpStatusCode.Created);
        var refused = answers.Where(a => a.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.Equal(20, accepted + refused.Count);
        Assert.True(accepted >= 1);
        Assert.NotEmpty(refused);
        foreach (var r in refused) await AssertBusyAsync(r, "1");
        var patients = await admin.GetFromJsonAsync<JsonElement>("/api/v1/patients?pageSize=100", Ct);
        Assert.Equal(accepted, patients.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_browser_form_post_refused_for_overload_gets_the_busy_page_not_a_bare_503()
    {
        await using var node = await NodeFixture.StartAsync(configure: o => o with { Admission = new AdmissionLimits { Writes = 1, TargetLatencyMs = 0 } });
        var browser = await node.CookieLoginAsync("admin", NodeFixture.Password);
        var form = await browser.GetStringAsync("/patients/register", Ct);
        var limiter = node.App.Services.GetRequiredService<AdmissionLimiter>();
        // Take the only write permit as a request in progress would.
        var busy = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        busy.Request.Method = "POST";
        busy.Request.Path = "/api/v1/patients";
        using (var held = limiter.AttemptAcquire(busy))
        {
            Assert.True(held.IsAcquired);
            using var post = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = NodeFixture.AntiforgeryToken(form),
                ["Input.Mrn"] = "MRN-BUSY",
            });
            using var response = await browser.PostAsync("/patients/register", post, Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("1", response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            var page = await response.Content.ReadAsStringAsync(Ct);
            Assert.Contains("The node is busy with other work: nothing was done or saved. Try again in 1 s.", page);
            Assert.Contains("data-testid=\"error-back\"", page); // the error page in the layout, with its way back to the form
        }
        // With the permit back, the form is taken again (here: refused for its missing fields, so nothing is written).
        using var again = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = NodeFixture.AntiforgeryToken(form) });
        using var answered = await browser.PostAsync("/patients/register", again, Ct);
        Assert.NotEqual(HttpStatusCode.ServiceUnavailable, answered.StatusCode);
    }

    [Fact]
    public async Task Writes_whose_bodies_arrive_slowly_hold_no_write_permit_and_a_slow_upload_holds_only_the_uploads_budget()
    {
        // The fault: a signed-in user (any role) opened as many connections as the write budget and sent each body a few bytes
        // at a time; every permit was held while the bodies trickled in, and everyone else's writes were refused with 503.
        await using var node = await NodeFixture.StartAsync(configure: o => o with { Admission = new AdmissionLimits { Writes = 2, Uploads = 1, TargetLatencyMs = 0 } });
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var patient = await RegisterAsync(admin);
        var limiter = node.App.Services.GetRequiredService<AdmissionLimiter>();
        var token = admin.DefaultRequestHeaders.Authorization!.Parameter!;
        var charge = System.Text.Encoding.UTF8.GetBytes("""{"occurredAt":"2026-01-05T10:00","service":"Slow","quantity":1,"unitPrice":1}""");

        // Twice the write budget: each sends its headers and the first byte of its body, and stops there.
        var slow = new List<(System.Net.Sockets.TcpClient Client, Stream Stream)>();
        for (var i = 0; i < 4; i++) slow.Add(await StartSlowAsync(admin.BaseAddress!, $"/api/v1/patients/{patient}/account/charges", token, charge.Length, charge[..1]));
        await Until(() => limiter.BodiesArriving == 4, "the node reads all four bodies"); // before the fix: never (none was read before admission)

        Assert.Equal(2, limiter.Statistics.Writes!.CurrentAvailablePermits);
        using (var taken = await Charge(admin, patient, 1))
        {
            Assert.Equal(HttpStatusCode.Created, taken.StatusCode); // before the fix: 503, the two permits held by senders
        }

        // A large body (over 1 MiB) streams to its endpoint and takes the uploads budget's one permit while it arrives: a second
        // one (of another caller: the batch endpoint takes no session, so it is the client address's) is refused, ordinary writes are not.
        var batch = await StartSlowAsync(admin.BaseAddress!, "/api/v1/verify/file", token, 2 * 1024 * 1024, [1], "multipart/form-data; boundary=slow");
        await Until(() => UploadPermits(limiter) == 0, "the slow upload holds the uploads permit");
        var second = await StartSlowAsync(admin.BaseAddress!, "/api/v1/transactions/batch", token, 2 * 1024 * 1024, [1], "application/octet-stream");
        using (var reader = new StreamReader(second.Stream))
        {
            var (status, headers) = await ReadHeadAsync(reader, Ct);
            Assert.Equal("HTTP/1.1 503 Service Unavailable", status); // refused before its body is read
            Assert.Contains("Retry-After: 1", headers);
        }
        second.Client.Dispose();
        using (var taken = await Charge(admin, patient, 2))
        {
            Assert.Equal(HttpStatusCode.Created, taken.StatusCode);
        }
        batch.Client.Dispose();

        // The slow senders were real requests: once its body is complete, each is counted, taken and committed (one after the
        // other here: four completed at once would be beyond the budget of two, and the excess refused).
        foreach (var (client, stream) in slow)
        {
            await stream.WriteAsync(charge.AsMemory(1), Ct);
            await stream.FlushAsync(Ct);
            using var reader = new StreamReader(stream);
            Assert.Equal("HTTP/1.1 201 Created", await reader.ReadLineAsync(Ct));
            client.Dispose();
        }
        var account = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/patients/{patient}/account", Ct);
        Assert.Equal(6, account.GetProperty("lines").GetArrayLength());
    }

    [Fact]
    public async Task Bodies_arriving_at_once_hold_at_most_their_memory_budget_and_the_excess_is_refused_at_once()
    {
        // The fault: nothing bounded the bodies read whole before admission; 2,000 anonymous connections each declaring a
        // 1 MiB transaction body and sending it slowly took the node from 150 MB to over 1 GB of memory.
        await using var node = await NodeFixture.StartAsync(configure: o => o with { Admission = new AdmissionLimits { BodyBytes = 3 * 1024 * 1024, TargetLatencyMs = 0 } });
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var limiter = node.App.Services.GetRequiredService<AdmissionLimiter>();
        const int Mib = 1024 * 1024;

        // Three anonymous 1 MiB bodies (from three addresses: one address holds at most a quarter of the budget) fill the
        // budget while they arrive; a fourth, of a fourth address, is refused before a byte of it is read.
        var slow = new List<(System.Net.Sockets.TcpClient Client, Stream Stream)>();
        for (var i = 0; i < 3; i++) slow.Add(await StartSlowAsync(admin.BaseAddress!, "/api/v1/transactions", "", Mib, [1], "application/octet-stream", from: $"127.0.0.{i + 2}"));
        await Until(() => limiter.BodyBytesArriving == 3L * Mib, "the three bodies hold the budget");
        var fourth = await StartSlowAsync(admin.BaseAddress!, "/api/v1/transactions", "", Mib, [1], "application/octet-stream", from: "127.0.0.5");
        using (var reader = new StreamReader(fourth.Stream))
        {
            var (status, headers) = await ReadHeadAsync(reader, Ct);
            Assert.Equal("HTTP/1.1 503 Service Unavailable", status);
            Assert.Contains("Retry-After: 1", headers);
            Assert.Contains("Content-Type: application/problem+json", headers);
        }
        fourth.Client.Dispose();
        Assert.Equal(1, limiter.RefusedBodies);
        Assert.Equal(3, limiter.BodiesArriving);

        // The senders go away: their reservations are released, and an ordinary write is taken again.
        foreach (var (client, _) in slow) client.Dispose();
        await Until(() => limiter.BodyBytesArriving == 0 && limiter.BodiesArriving == 0, "the reservations are released");
        var patient = await RegisterAsync(admin);
        Assert.False(string.IsNullOrEmpty(patient));
    }

    [Fact]
    public async Task One_user_trickling_bodies_holds_at_most_a_quarter_of_their_budget_and_everyone_elses_sign_ins_and_writes_go_on()
    {
        // The fault: one signed-in user opened as many slow 1 MiB bodies as the budget holds (64 at 64 MiB) and every other
        // user's write and every sign-in was refused with 503 for as long as they kept sending.
        await using var node = await NodeFixture.StartAsync(configure: o => o with { Admission = new AdmissionLimits { BodyBytes = 4 * 1024 * 1024, TargetLatencyMs = 0 } });
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        using var created = await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-slow", name = "Sam Slow", specialty = "Cardiology", department = "Heart centre", licenceNumber = "L-9" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var doctor = await node.FirstLoginAsync("dr-slow", (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("oneTimePassword").GetString()!);
        var limiter = node.App.Services.GetRequiredService<AdmissionLimiter>();
        var token = doctor.DefaultRequestHeaders.Authorization!.Parameter!;
        const int Mib = 1024 * 1024;
        Assert.Equal(Mib, limiter.BodyBytesPerCaller);

        // The doctor's first slow 1 MiB body is taken (a caller's first always is); their next one is refused at once with 429,
        // as the caller's limit, before a byte of it is read.
        var first = await StartSlowAsync(admin.BaseAddress!, "/api/v1/patients", token, Mib, [(byte)'{']);
        await Until(() => limiter.BodyBytesArriving == Mib, "the first body is being read");
        var second = await StartSlowAsync(admin.BaseAddress!, "/api/v1/patients", token, Mib, [(byte)'{']);
        using (var reader = new StreamReader(second.Stream))
        {
            var (status, headers) = await ReadHeadAsync(reader, Ct);
            Assert.Equal("HTTP/1.1 429 Too Many Requests", status);
            Assert.Contains("Retry-After: 1", headers);
            Assert.Contains("Content-Type: application/problem+json", headers);
            // The answer's lines up to its problem's (the node then closes the connection whose body it did not read).
            string? line;
            do line = await reader.ReadLineAsync(Ct);
            while (line is not null && !line.Contains("\"detail\"", StringComparison.Ordinal));
            Assert.Contains("Too many request bodies arriving at once from this user or address (at most 1 MiB)", line);
        }
        second.Client.Dispose();
        Assert.Equal(1, limiter.RefusedBodiesPerCaller);
        Assert.Equal(0, limiter.RefusedBodies);
        Assert.Equal(Mib, limiter.BodyBytesArriving); // the refused body reserved nothing

        // Everyone else goes on while the doctor's body still trickles: a sign-in (another caller: a client address without a
        // session) and another user's write.
        var again = await node.LoginAsync("admin", NodeFixture.Password);
        Assert.False(string.IsNullOrEmpty(await RegisterAsync(again)));
        Assert.Equal(Mib, limiter.BodyBytesArriving);
        first.Client.Dispose();
        await Until(() => limiter.BodyBytesArriving == 0 && limiter.BodiesArriving == 0, "the reservation is released");
    }

    [Theory]
    [InlineData("/api/v1/auth/token", "application/json", "application/problem+json", false)]
    [InlineData("/api/v1/staff", "application/json", "application/problem+json", true)]
    [InlineData("/login", "application/x-www-form-urlencoded", "text/html", false)]
    [InlineData("/api/v1/transactions/batch", "application/octet-stream", "application/problem+json", true)] // reads its body itself
    [InlineData("/fhir/R4/Patient", "application/fhir+json", "application/fhir+json", true)] // reads its body itself
    public async Task A_chunk_size_too_large_to_parse_is_the_clients_error_not_a_500(string path, string contentType, string answered, bool signedIn)
    {
        // The fault: Kestrel reports a chunk size of 2^31 or more as an IOException, not a BadHttpRequestException; read whole
        // before admission it reached the exception handler as a 500 (and a stack trace in the log), and so did it at the
        // endpoints that read their bodies themselves (a batch, FHIR's create) after that was fixed for the others.
        await using var node = await NodeFixture.StartAsync();
        var uri = node.Http.BaseAddress!;
        var authorization = signedIn
            ? $"Authorization: Bearer {(await node.LoginAsync("admin", NodeFixture.Password)).DefaultRequestHeaders.Authorization!.Parameter}\r\n"
            : "";
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(uri.Host, uri.Port, Ct);
        var stream = client.GetStream();
        var request = $"POST {path} HTTP/1.1\r\nHost: {uri.Authority}\r\n{authorization}Content-Type: {contentType}\r\nAccept: {answered}\r\nTransfer-Encoding: chunked\r\n\r\nffffffff\r\nabc\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request), Ct);
        await stream.FlushAsync(Ct);
        using var reader = new StreamReader(stream);
        var (status, headers) = await ReadHeadAsync(reader, Ct);
        Assert.Equal("HTTP/1.1 400 Bad Request", status);
        Assert.Contains(headers, h => h.StartsWith("Content-Type: " + answered, StringComparison.OrdinalIgnoreCase));
        if (answered == "application/problem+json")
        {
            // Told that the body could not be read (a JSON endpoint said "A JSON body is required.").
            Assert.Contains("could not be read", await ReadBodyAsync(reader, headers, Ct), StringComparison.Ordinal);
        }
    }

    // break: one signed-in user with slow bodies over 1 MiB held the whole uploads budget; a caller holds at most a quarter of it.
    [Fact]
    public async Task One_user_with_slow_uploads_holds_at_most_a_quarter_of_the_uploads_budget_and_is_refused_at_once_beyond_it()
    {
        await using var node = await NodeFixture.StartAsync(configure: o => o with { Admission = new AdmissionLimits { Uploads = 4, TargetLatencyMs = 0 } });
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var limiter = node.App.Services.GetRequiredService<AdmissionLimiter>();
        Assert.Equal(1, limiter.UploadsPerCaller);
        var token = admin.DefaultRequestHeaders.Authorization!.Parameter!;
        const string multipart = "multipart/form-data; boundary=slow";
        var held = new List<(System.Net.Sockets.TcpClient Client, Stream Stream)>();
        try
        {
            // The admin's first slow upload (a signed-in endpoint: the caller is the user) takes one of the four permits.
            held.Add(await StartSlowAsync(admin.BaseAddress!, "/api/v1/verify/file", token, 2 * 1024 * 1024, [1], multipart));
            await Until(() => UploadPermits(limiter) == 3, "the admin's slow upload holds a permit");

            // The admin's second is refused at once, before its body is read: 429 with Retry-After (before: admitted, and four
            // such held every upload permit of the node).
            var second = await StartSlowAsync(admin.BaseAddress!, "/api/v1/verify/file", token, 2 * 1024 * 1024, [1], multipart);
            held.Add(second);
            using (var answered = CancellationTokenSource.CreateLinkedTokenSource(Ct))
            using (var reader = new StreamReader(second.Stream))
            {
                answered.CancelAfter(TimeSpan.FromSeconds(30));
                var (status, headers) = await ReadHeadAsync(reader, answered.Token);
                Assert.Equal("HTTP/1.1 429 Too Many Requests", status);
                Assert.Contains("Retry-After: 1", headers);
                Assert.Contains("Content-Type: application/problem+json", headers);
                var problem = JsonDocument.Parse(await ReadBodyAsync(reader, headers, answered.Token)).RootElement;
                Assert.Equal((TooManyRequests.ProblemType, TooManyRequests.Title, 429), (problem.GetProperty("type").GetString(), problem.GetProperty("title").GetString(), problem.GetProperty("status").GetInt32()));
                Assert.StartsWith("Too many uploads in progress at once by this user or address (at most 1)", problem.GetProperty("detail").GetString());
            }
            Assert.Equal(3, UploadPermits(limiter)); // the refusal took nothing

            // Another caller's upload still gets a permit.
            held.Add(await StartSlowAsync(admin.BaseAddress!, "/api/v1/transactions/batch", token, 2 * 1024 * 1024, [1], "application/octet-stream"));
            await Until(() => UploadPermits(limiter) == 2, "another caller's slow upload is admitted");

            // Once the admin's first upload is gone, its share is free again.
            held[0].Client.Dispose();
            await Until(() => UploadPermits(limiter) == 3, "the admin's upload gives its permit back");
            held.Add(await StartSlowAsync(admin.BaseAddress!, "/api/v1/verify/file", token, 2 * 1024 * 1024, [1], multipart));
            await Until(() => UploadPermits(limiter) == 2, "the admin may upload again");
        }
        finally
        {
            foreach (var (client, _) in held) client.Dispose();
        }
    }

    [Fact]
    public async Task Anonymous_slow_batches_from_many_addresses_hold_at_most_half_the_uploads_budget_and_signed_in_uploads_go_on()
    {
        await using var node = await NodeFixture.StartAsync(configure: o => o with { Admission = new AdmissionLimits { Uploads = 4, TargetLatencyMs = 0 } });
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var limiter = node.App.Services.GetRequiredService<AdmissionLimiter>();
        Assert.Equal((1, 2), (limiter.UploadsPerCaller, limiter.AnonymousUploads));
        var token = admin.DefaultRequestHeaders.Authorization!.Parameter!;
        var held = new List<(System.Net.Sockets.TcpClient Client, Stream Stream)>();
        try
        {
            // Two addresses each send a slow 2 MiB batch of signed transactions, without a session: two of the four permits.
            foreach (var from in new[] { "127.0.0.2", "127.0.0.3" })
            {
                held.Add(await StartSlowAsync(admin.BaseAddress!, "/api/v1/transactions/batch", "", 2 * 1024 * 1024, [1], "application/octet-stream", from));
            }
            await Until(() => limiter.AnonymousUploadsInProgress == 2 && UploadPermits(limiter) == 2, "two anonymous slow batches hold a permit each");

            // A third address's is refused at once, before its body is read: 503 Busy with Retry-After (before: admitted, and
            // four addresses held every upload permit of the node, signed-in people's documents included).
            var third = await StartSlowAsync(admin.BaseAddress!, "/api/v1/transactions/batch", "", 2 * 1024 * 1024, [1], "application/octet-stream", "127.0.0.4");
            held.Add(third);
            using (var answered = CancellationTokenSource.CreateLinkedTokenSource(Ct))
            using (var reader = new StreamReader(third.Stream))
            {
                answered.CancelAfter(TimeSpan.FromSeconds(30));
                var (status, headers) = await ReadHeadAsync(reader, answered.Token);
                Assert.Equal("HTTP/1.1 503 Service Unavailable", status);
                Assert.Contains("Retry-After: 1", headers);
                Assert.Contains("Content-Type: application/problem+json", headers);
                var problem = JsonDocument.Parse(await ReadBodyAsync(reader, headers, answered.Token)).RootElement;
                Assert.Equal(("Busy", 503), (problem.GetProperty("title").GetString(), problem.GetProperty("status").GetInt32()));
            }
            Assert.Equal((2, 2), (limiter.AnonymousUploadsInProgress, UploadPermits(limiter))); // the refusal took nothing

            // The signed-in admin's document upload still gets a permit.
            held.Add(await StartSlowAsync(admin.BaseAddress!, "/api/v1/verify/file", token, 2 * 1024 * 1024, [1], "multipart/form-data; boundary=slow"));
            await Until(() => UploadPermits(limiter) == 1, "a signed-in upload is admitted beside the anonymous ones");

            // Once one anonymous sender goes away, another address may send.
            held[0].Client.Dispose();
            await Until(() => limiter.AnonymousUploadsInProgress == 1, "the anonymous batch gives its permit back");
            held.Add(await StartSlowAsync(admin.BaseAddress!, "/api/v1/transactions/batch", "", 2 * 1024 * 1024, [1], "application/octet-stream", "127.0.0.5"));
            await Until(() => limiter.AnonymousUploadsInProgress == 2, "another address's batch is admitted");
        }
        finally
        {
            foreach (var (client, _) in held) client.Dispose();
        }
    }

    // An HTTP/1.1 response's status line and header lines, up to the blank line that ends them.
    private static async Task<(string? Status, List<string> Headers)> ReadHeadAsync(StreamReader reader, CancellationToken ct)
    {
        var status = await reader.ReadLineAsync(ct);
        var headers = new List<string>();
        for (var line = await reader.ReadLineAsync(ct); !string.IsNullOrEmpty(line); line = await reader.ReadLineAsync(ct)) headers.Add(line);
        return (status, headers);
    }

    // An HTTP/1.1 response body after its headers: Content-Length bytes, or chunks (ASCII text only).
    private static async Task<string> ReadBodyAsync(StreamReader reader, List<string> headers, CancellationToken ct)
    {
        if (headers.FirstOrDefault(h => h.StartsWith("Content-Length: ", StringComparison.OrdinalIgnoreCase)) is { } declared)
        {
            var body = new char[int.Parse(declared["Content-Length: ".Length..], System.Globalization.CultureInfo.InvariantCulture)];
            await reader.ReadBlockAsync(body, ct);
            return new string(body);
        }
        var text = new System.Text.StringBuilder();
        for (var size = Convert.ToInt32((await reader.ReadLineAsync(ct))!.Split(';')[0], 16); size > 0; size = Convert.ToInt32((await reader.ReadLineAsync(ct))!.Split(';')[0], 16))
        {
            var chunk = new char[size];
            await reader.ReadBlockAsync(chunk, ct);
            text.Append(chunk);
            await reader.ReadLineAsync(ct); // the chunk's CRLF
        }
        return text.ToString();
    }

    // Polls the node's own counters for what the test waits on, failing after 30 s rather than hanging.
    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(5, Ct);
        }
    }

    private static int UploadPermits(AdmissionLimiter limiter) =>
        (int)limiter.GetStatistics(UploadContext())!.CurrentAvailablePermits;

    // A request the limiter classifies as an upload: a write declaring a body over 1 MiB.
    private static Microsoft.AspNetCore.Http.DefaultHttpContext UploadContext()
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Path = "/api/v1/transactions/batch";
        context.Request.ContentLength = 2 * 1024 * 1024;
        return context;
    }

    // Opens a connection, sends a request's headers declaring a body of `length` bytes and only `first` of it.
    private static async Task<(System.Net.Sockets.TcpClient Client, Stream Stream)> StartSlowAsync(Uri node, string path, string token, int length, byte[] first, string contentType = "application/json",
        string? from = null)
    {
        // From another loopback address (127.0.0.N), another client address to the node.
        var client = from is null ? new System.Net.Sockets.TcpClient() : new System.Net.Sockets.TcpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(from), 0));
        await client.ConnectAsync(node.Host, node.Port, Ct);
        var stream = client.GetStream();
        var authorization = token.Length > 0 ? $"Authorization: Bearer {token}\r\n" : ""; // none: an anonymous sender
        var head = $"POST {path} HTTP/1.1\r\nHost: {node.Authority}\r\n{authorization}Content-Type: {contentType}\r\nContent-Length: {length}\r\n\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head), Ct);
        await stream.WriteAsync(first, Ct);
        await stream.FlushAsync(Ct);
        return (client, stream);
    }

    private static async Task AssertBusyAsync(HttpResponseMessage response, string retryAfter)
    {
        Assert.Equal(retryAfter, response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.Equal("Busy", problem.GetProperty("title").GetString());
        Assert.Equal(AdmissionControl.ProblemType, problem.GetProperty("type").GetString());
        Assert.Contains("nothing was", problem.GetProperty("detail").GetString());
    }

    private static Task<HttpResponseMessage> Charge(HttpClient admin, string patient, int i) =>
        admin.PostAsJsonAsync($"/api/v1/patients/{patient}/account/charges", new { occurredAt = "2026-01-05T10:00", service = $"Flood {i}", quantity = 1, unitPrice = 1 }, Ct);

    private static async Task<string> RegisterAsync(HttpClient admin)
    {
        using var created = await admin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-FLOOD", fullName = "Flo Od", dateOfBirth = "1980-02-29", gender = "female", conditions = new[] { "Asthma" } }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString()!;
    }
}
