using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.Printouts;
using HealthLedger.Node.Web;
using HealthLedger.Testing;

namespace HealthLedger.Node.Tests.MedicalReports;

/// <summary>
/// Issue 12 item 20: a genuine printout was "NO MATCH" because it was rendered on the fly. Printouts are now rendered
/// deterministically and the node records each one's SHA-256 on the chain before handing it out, so the downloaded file
/// checks at <c>/api/v1/verify/file</c> and on the <c>/verify</c> page; a changed byte does not; an amendment supersedes it.
/// </summary>
public class ReportPrintoutTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record World(NodeFixture Node, HttpClient Admin, HttpClient Author, string PatientId, string ReportId) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Node.DisposeAsync();
    }

    private static async Task<World> SetUpAsync(TempDirectory? folder = null)
    {
        var node = await NodeFixture.StartAsync(folder);
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var doctor = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-p", name = "Pia P", specialty = "Pathology", department = "Lab", licenceNumber = "L1" }, Ct));
        var patient = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-P1", fullName = "Ann Example", dateOfBirth = "1970-01-01", gender = "female" }, Ct));
        (await admin.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/entries", new { type = "visit", occurredAt = "2026-01-02T10:00", doctorId = "dr-p", notes = "Bloods." }, Ct)).EnsureSuccessStatusCode();
        var author = await node.FirstLoginAsync("dr-p", doctor.OneTimePassword!);
        using var form = Metadata(new { type = "lab", title = "Blood count", labResults = new[] { new { test = "Hb", value = "13", unit = "g/dL", referenceRange = "12-16", flag = "" } } });
        var created = await Read<ReportsApi.ReportCreatedResponse>(await author.PostAsync($"/api/v1/patients/{patient.Id}/reports", form, Ct));
        return new World(node, admin, author, patient.Id, created.ReportId);
    }

    [Fact]
    public async Task A_downloaded_printout_matches_its_version_a_changed_byte_does_not_and_an_amendment_supersedes_it()
    {
        await using var w = await SetUpAsync();
        var pdf = await w.Author.GetByteArrayAsync($"/api/v1/reports/{w.ReportId}/pdf", Ct);
        Assert.Equal(pdf, await w.Author.GetByteArrayAsync($"/api/v1/reports/{w.ReportId}/pdf?version=1", Ct)); // byte for byte, again

        var match = await CheckAsync(w.Author, pdf);
        Assert.True(match.Match);
        Assert.True(match.Visible);
        Assert.Equal((w.ReportId, 1, "dr-p", true, false), (match.ReportId, match.Version, match.AuthorId, match.Printout, match.Superseded));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(pdf)), match.Sha256);

        var changed = pdf.ToArray();
        changed[changed.Length / 2] ^= 1;
        Assert.False((await CheckAsync(w.Author, changed)).Match);

        // Someone who may not read the patient's reports learns only that it matches a report.
        var other = await Read<WriteResponse>(await w.Admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-q", name = "Quinn Q", specialty = "Surgery", department = "OR", licenceNumber = "L2" }, Ct));
        var stranger = await CheckAsync(await w.Node.FirstLoginAsync("dr-q", other.OneTimePassword!), pdf);
        Assert.True(stranger.Match);
        Assert.False(stranger.Visible);
        Assert.Null(stranger.ReportId);
        Assert.Null(stranger.Version);
        Assert.Null(stranger.Printout);

        using (var amendment = Metadata(new { title = "Blood count", labResults = new[] { new { test = "Hb", value = "12.5", unit = "g/dL", referenceRange = "12-16", flag = "" } }, amendmentReason = "Re-run" }))
        {
            (await w.Author.PostAsync($"/api/v1/reports/{w.ReportId}/amendments", amendment, Ct)).EnsureSuccessStatusCode();
        }
        var superseded = await CheckAsync(w.Author, pdf);
        Assert.True(superseded.Match);
        Assert.Equal((1, true), (superseded.Version, superseded.Superseded));
        var current = await w.Author.GetByteArrayAsync($"/api/v1/reports/{w.ReportId}/pdf", Ct);
        var latest = await CheckAsync(w.Author, current);
        Assert.Equal((true, 2, false, true), (latest.Match, latest.Version, latest.Superseded, latest.Printout));
        Assert.Equal(pdf, await w.Author.GetByteArrayAsync($"/api/v1/reports/{w.ReportId}/pdf?version=1", Ct)); // the old version prints as before
    }

    [Fact]
    public async Task The_verify_page_checks_an_uploaded_printout_for_a_signed_in_user_and_says_when_it_is_superseded()
    {
        await using var w = await SetUpAsync();
        var pdf = await w.Author.GetByteArrayAsync($"/api/v1/reports/{w.ReportId}/pdf", Ct);
        var web = await w.Node.CookieLoginAsync("dr-p", NodeFixture.ChosenPassword);

        var genuine = await UploadToVerifyPageAsync(web, pdf);
        Assert.Contains("data-status=\"match\"", genuine);
        Assert.Contains($"a printout of report {w.ReportId} version 1", genuine);

        var changed = pdf.ToArray();
        changed[^20] ^= 0x20;
        Assert.Contains("data-status=\"no-match\"", await UploadToVerifyPageAsync(web, changed));

        using (var amendment = Metadata(new { title = "Blood count", labResults = new[] { new { test = "Hb", value = "12.9", unit = "g/dL", referenceRange = "12-16", flag = "" } }, amendmentReason = "Re-run" }))
        {
            (await w.Author.PostAsync($"/api/v1/reports/{w.ReportId}/amendments", amendment, Ct)).EnsureSuccessStatusCode();
        }
        var superseded = await UploadToVerifyPageAsync(web, pdf);
        Assert.Contains("data-status=\"superseded\"", superseded);
        Assert.Contains("which a later version replaced", superseded);

        var anonymous = new HttpClient { BaseAddress = w.Node.Http.BaseAddress };
        Assert.Contains("Sign in</a> to check", await anonymous.GetStringAsync("/verify", Ct));
    }

    /// <summary>
    /// break12: a printout waited for its <c>RecordPrintout</c> to commit with no time limit, so a node that commits nothing
    /// (a network without a quorum) left the download hanging until the client gave up. Now it is 409 after the same wait as
    /// any other write, and nothing is sent.
    /// </summary>
    [Fact]
    public async Task A_printout_the_ledger_does_not_record_in_time_is_409_not_a_hang()
    {
        using var folder = new TempDirectory();
        string reportId;
        await using (var w = await SetUpAsync(folder))
        {
            reportId = w.ReportId;
        }
        // The same folder, with a node that proposes no block for an hour: nothing commits. The write's wait is shortened to 3 s.
        await using var stalled = await NodeFixture.StartAsync(folder, configure: o => o with { BatchDelay = TimeSpan.FromHours(1), CommitTimeout = TimeSpan.FromSeconds(3) });
        var admin = await stalled.LoginAsync("admin", NodeFixture.Password);
        admin.Timeout = TimeSpan.FromMinutes(2);
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var response = await admin.GetAsync($"/api/v1/reports/{reportId}/pdf", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Conflict, $"{(int)response.StatusCode}: {body}");
        Assert.Contains("not issued", body);
        Assert.Contains("within 3 s", body);
        Assert.DoesNotContain("%PDF", body);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(90), started.Elapsed.ToString());
    }

    private static async Task<FileMatch> CheckAsync(HttpClient client, byte[] file)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(file), "file", "printout.pdf" } };
        return await Read<FileMatch>(await client.PostAsync("/api/v1/verify/file", form, Ct));
    }

    private static async Task<string> UploadToVerifyPageAsync(HttpClient web, byte[] file)
    {
        var page = await web.GetStringAsync("/verify", Ct);
        using var form = new MultipartFormDataContent
        {
            { new StringContent(NodeFixture.AntiforgeryToken(page)), "__RequestVerificationToken" },
            { new ByteArrayContent(file), "file", "downloaded.pdf" },
        };
        using var response = await web.PostAsync("/verify", form, Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, html);
        return html;
    }

    // Break-test (2026-12-07): a FIFO in place of a stored report file held the node's start forever (the start-up check opened
    // it to hash it). Now it is never opened: it counts as missing, and a node alone, which must hold every file, says so.
    [Fact]
    public async Task A_fifo_in_place_of_a_stored_file_does_not_hold_the_start_it_counts_as_missing()
    {
        using var folder = new TempDirectory();
        string stored;
        await using (var w = await SetUpAsync(folder))
        {
            using var form = Metadata(new { type = "imaging", title = "Chest X-ray", summary = "Clear." });
            var file = new ByteArrayContent(Api.MedicalReportsApiTests.Pdf);
            file.Headers.ContentType = new("application/pdf");
            form.Add(file, "file", "scan.pdf");
            await Read<ReportsApi.ReportCreatedResponse>(await w.Author.PostAsync($"/api/v1/patients/{w.PatientId}/reports", form, Ct));
            var documents = Path.Combine(w.Node.DataPath, "documents");
            stored = Directory.EnumerateFiles(documents, "*", SearchOption.AllDirectories)
                .Single(f => Path.GetRelativePath(documents, f).Split(Path.DirectorySeparatorChar)[0] is not ("tmp" or "orphaned"));
        }
        File.Delete(stored);
        SpecialFiles.MakeFifo(stored);
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => NodeFixture.StartAsync(folder).WaitAsync(TimeSpan.FromSeconds(90), Ct));
        Assert.IsNotType<TimeoutException>(refused);
        Assert.Contains(Path.GetFileName(stored), refused.Message, StringComparison.Ordinal);
    }

    private static MultipartFormDataContent Metadata(object metadata) => new() { { new StringContent(JsonSerializer.Serialize(metadata)), "metadata" } };
}
