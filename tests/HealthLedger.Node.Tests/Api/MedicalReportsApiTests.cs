using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Audit;
using HealthLedger.Node.Chain;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Consent;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.Printouts;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using HealthLedger.Testing;
using Microsoft.Data.Sqlite;

namespace HealthLedger.Node.Tests.Api;

/// <summary>Reports, authenticity, consent and disclosures through the API of a real node.</summary>
public class MedicalReportsApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static readonly byte[] Pdf = [.. "%PDF-1.4\n% HealthLedger test lab report\n"u8, .. Enumerable.Range(0, 150_000).Select(i => (byte)(i * 31 % 251)), .. "\n%%EOF\n"u8];

    private sealed record World(NodeFixture Node, HttpClient Admin, HttpClient Attending, HttpClient DoctorB, HttpClient Patient, string PatientId, OffsetClock Clock);

    private static async Task<World> SetUpAsync(long maxDocumentBytes = 50L * 1024 * 1024)
    {
        var clock = new OffsetClock();
        var node = await NodeFixture.StartAsync(clock: clock, maxDocumentBytes: maxDocumentBytes);
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var a = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-a", name = "Ada A", specialty = "Pathology", department = "Lab", licenceNumber = "L1" }, Ct));
        var b = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-b", name = "Ben B", specialty = "Cardiology", department = "Heart", licenceNumber = "L2" }, Ct));
        var p = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-77", fullName = "Pat Q", dateOfBirth = "1970-01-01", gender = "male", conditions = new[] { "Anaemia" } }, Ct));
        (await admin.PostAsJsonAsync($"/api/v1/patients/{p.Id}/entries", new { type = "visit", occurredAt = "2026-01-02T10:00", doctorId = "dr-a", notes = "Bloods taken." }, Ct)).EnsureSuccessStatusCode();
        return new World(node, admin, await node.FirstLoginAsync("dr-a", a.OneTimePassword!), await node.FirstLoginAsync("dr-b", b.OneTimePassword!),
            await node.FirstLoginAsync(p.Id, p.OneTimePassword!), p.Id, clock);
    }

    private static MultipartFormDataContent Upload(object metadata, byte[]? file = null, string contentType = "application/pdf", string name = "cbc.pdf")
    {
        var form = new MultipartFormDataContent { { new StringContent(JsonSerializer.Serialize(metadata)), "metadata" } };
        if (file is not null)
        {
            var part = new ByteArrayContent(file);
            part.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            form.Add(part, "file", name);
        }
        return form;
    }

    private static object Lab => new
    {
        type = "lab",
        title = "Full blood count",
        labResults = new[] { new { test = "Haemoglobin", value = "98", unit = "g/L", referenceRange = "130-170", flag = "L" } },
    };

    private static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        using (response)
        {
            Assert.True(status == response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
        }
    }

    [Fact]
    public async Task A_file_the_node_cannot_store_on_its_disk_is_answered_503_not_blamed_on_the_upload_and_nothing_is_saved()
    {
        var w = await SetUpAsync();
        await using var node = w.Node;
        // The store's tmp/ a file, not a folder: the node's own disk refuses the write (as a full, read-only or failing one
        // would). Before, the answer was 400 "The multipart body ended before it was complete … nothing was stored".
        var documents = Path.Combine(node.DataPath, "documents");
        Directory.CreateDirectory(documents);
        await File.WriteAllTextAsync(Path.Combine(documents, "tmp"), "not a folder", Ct);
        using (var response = await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(Lab, Pdf), Ct))
        {
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(HttpStatusCode.ServiceUnavailable == response.StatusCode, body);
            var problem = JsonDocument.Parse(body).RootElement;
            Assert.Equal(ErrorPages.DocumentStoreUnavailableTitle, problem.GetProperty("title").GetString());
            Assert.Equal(ErrorPages.DocumentStoreUnavailableMessage, problem.GetProperty("detail").GetString());
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
            Assert.DoesNotContain(documents, body, StringComparison.Ordinal);
        }
        Assert.Empty(await Read<List<ReportsApi.ReportResponse>>(await w.Attending.GetAsync($"/api/v1/patients/{w.PatientId}/reports", Ct)));
        Assert.Equal(["tmp"], Directory.EnumerateFileSystemEntries(documents).Select(Path.GetFileName));

        // The disk mended: the same upload is stored.
        File.Delete(Path.Combine(documents, "tmp"));
        (await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(Lab, Pdf), Ct)).EnsureSuccessStatusCode();
        Assert.Single(await Read<List<ReportsApi.ReportResponse>>(await w.Attending.GetAsync($"/api/v1/patients/{w.PatientId}/reports", Ct)));
    }

    // Break-test (2026-12-07): the report form and the lab order form showed the patient's name to a doctor without recording
    // it (the entry form recorded it), so the patient's "who accessed my data" missed those views, and they still answered while
    // the access history could not be stored.
    [Fact]
    public async Task Opening_the_report_form_or_the_lab_order_form_is_recorded_in_the_patient_s_access_history()
    {
        var w = await SetUpAsync();
        await using var node = w.Node;
        using var web = await node.CookieLoginAsync("dr-a", NodeFixture.ChosenPassword);
        foreach (var form in new[] { $"/patients/{w.PatientId}/reports/new", $"/patients/{w.PatientId}/lab-orders/new" })
        {
            using var page = await web.GetAsync(form, Ct);
            Assert.True(HttpStatusCode.OK == page.StatusCode, form + ": " + await page.Content.ReadAsStringAsync(Ct));
        }
        await ((DisclosureRecorder)node.App.Services.GetService(typeof(DisclosureRecorder))!).FlushAsync(Ct);
        var disclosures = await w.Patient.GetFromJsonAsync<List<DisclosureResponse>>($"/api/v1/patients/{w.PatientId}/disclosures", Ct);
        Assert.Contains(disclosures!, d => d.ActorId == "dr-a" && d.Outcome == "allowed" && d.Resource == "report form");
        Assert.Contains(disclosures!, d => d.ActorId == "dr-a" && d.Outcome == "allowed" && d.Resource == "lab order form");
    }

    [Fact]
    public async Task A_metadata_part_over_the_form_value_limit_is_refused_413_and_nothing_is_stored()
    {
        var w = await SetUpAsync();
        await using var node = w.Node;
        // 6 MiB of JSON text in the 'metadata' part (the body's cap is the document limit, 51 MiB): it was read whole.
        var metadata = new { type = "lab", title = "Full blood count", summary = new string('a', 6 * 1024 * 1024) };
        var problem = await Problem(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(metadata, Pdf), Ct), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("Request body too large", problem.GetProperty("title").GetString());
        Assert.Equal("The 'metadata' part is longer than this endpoint takes (4 MB of text). Nothing was changed.",
            problem.GetProperty("errors").GetProperty("metadata")[0].GetString());
        Assert.Empty(await Read<List<ReportsApi.ReportResponse>>(await w.Attending.GetAsync($"/api/v1/patients/{w.PatientId}/reports", Ct)));
        // A metadata part within the limit is read as before.
        await Read<ReportsApi.ReportCreatedResponse>(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(Lab, Pdf), Ct));
    }

    [Fact]
    public async Task A_file_check_names_the_report_only_to_someone_who_may_read_it()
    {
        // Issue 12 item 18: any signed-in user learned which report and author a file is, even another patient's.
        var w = await SetUpAsync();
        await using var node = w.Node;
        var created = await Read<ReportsApi.ReportCreatedResponse>(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(Lab, Pdf), Ct));
        var other = await Read<WriteResponse>(await w.Admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-78", fullName = "Other O", dateOfBirth = "1980-01-01", gender = "female" }, Ct));
        using var otherPatient = await node.FirstLoginAsync(other.Id, other.OneTimePassword!);

        foreach (var stranger in new[] { w.DoctorB, otherPatient })
        {
            var hidden = await Read<FileMatch>(await stranger.PostAsync("/api/v1/verify/file", FilePart(Pdf), Ct));
            Assert.Equal((true, false), (hidden.Match, hidden.Visible));
            Assert.Equal((null, null, null, null, null), (hidden.ReportId, hidden.Version, hidden.AuthorId, hidden.Height, hidden.BlockTime));
        }
        foreach (var reader in new[] { w.Patient, w.Attending, w.Admin })
        {
            var shown = await Read<FileMatch>(await reader.PostAsync("/api/v1/verify/file", FilePart(Pdf), Ct));
            Assert.Equal((true, true, created.ReportId, 1, "dr-a"), (shown.Match, shown.Visible, shown.ReportId, shown.Version, shown.AuthorId));
        }
        var none = await Read<FileMatch>(await w.DoctorB.PostAsync("/api/v1/verify/file", FilePart([1, 2, 3]), Ct));
        Assert.Equal((false, false), (none.Match, none.Visible));
    }

    [Fact]
    public async Task A_lab_report_with_a_pdf_is_downloaded_verified_and_any_flipped_byte_is_caught()
    {
        var w = await SetUpAsync();
        await using var node = w.Node;
        var created = await Read<ReportsApi.ReportCreatedResponse>(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(Lab, Pdf), Ct));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Pdf)), created.Sha256);

        // The patient downloads the file: same bytes; the authenticity check passes; the file is recognised.
        var downloaded = await w.Patient.GetByteArrayAsync($"/api/v1/reports/{created.ReportId}/file", Ct);
        Assert.Equal(Pdf, downloaded);
        var check = await w.Patient.GetFromJsonAsync<ReportCheck>($"/api/v1/reports/{created.ReportId}/verify", Ct);
        Assert.True(check!.Unchanged, string.Join("; ", check.Problems));
        Assert.Equal(("dr-a", created.Height, created.TransactionId), (check.AuthorId, check.Height, check.TransactionId));
        var match = await Read<FileMatch>(await w.Patient.PostAsync("/api/v1/verify/file", FilePart(downloaded), Ct));
        Assert.Equal((true, created.ReportId, 1), (match.Match, match.ReportId, match.Version));

        // 1. a flipped byte in the downloaded file: it matches no report.
        var flipped = downloaded.ToArray();
        flipped[5000] ^= 1;
        Assert.False((await Read<FileMatch>(await w.Patient.PostAsync("/api/v1/verify/file", FilePart(flipped), Ct))).Match);

        // 2. a flipped byte in the stored encrypted file: the check names the report; the download is refused.
        var stored = Directory.GetFiles(Path.Combine(node.DataPath, "documents"), "*", SearchOption.AllDirectories).Single();
        Assert.DoesNotContain("HealthLedger test lab report", await System.IO.File.ReadAllTextAsync(stored, Ct));
        var bytes = await System.IO.File.ReadAllBytesAsync(stored, Ct);
        bytes[4000] ^= 1;
        await System.IO.File.WriteAllBytesAsync(stored, bytes, Ct);
        check = await w.Patient.GetFromJsonAsync<ReportCheck>($"/api/v1/reports/{created.ReportId}/verify", Ct);
        Assert.False(check!.Unchanged);
        Assert.Equal(created.ReportId, check.ReportId);
        Assert.Contains(check.Problems, p => p.Contains("file", StringComparison.Ordinal));
        var refused = await Problem(await w.Patient.GetAsync($"/api/v1/reports/{created.ReportId}/file", Ct), HttpStatusCode.Conflict);
        Assert.Contains("changed", refused.GetProperty("detail").GetString());
        bytes[4000] ^= 1;
        await System.IO.File.WriteAllBytesAsync(stored, bytes, Ct);

        // 3. a flipped byte in the database (the report's sealed content): the check names the report.
        var state = await w.Patient.GetFromJsonAsync<ReportCheck>($"/api/v1/reports/{created.ReportId}/verify", Ct);
        Assert.True(state!.Unchanged);
        using (var db = new SqliteConnection($"Data Source={new DataDirectory(node.DataPath).LedgerPath};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "UPDATE blobs SET data = " + SqlTamper.FlipByte("data", 21) + " WHERE height = $h";
            cmd.Parameters.AddWithValue("$h", (long)created.Height);
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }
        check = await w.Patient.GetFromJsonAsync<ReportCheck>($"/api/v1/reports/{created.ReportId}/verify", Ct);
        Assert.False(check!.Unchanged);
        Assert.Contains(check.Problems, p => p.Contains("sealed content", StringComparison.Ordinal));

        // 4. a flipped byte in the report's state entry on disk (the running node's memory still has the old one).
        using (var db = new SqliteConnection($"Data Source={new DataDirectory(node.DataPath).LedgerPath};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "UPDATE state SET value = " + SqlTamper.FlipByte("value", 31) + " WHERE key = $k";
            cmd.Parameters.AddWithValue("$k", $"reportv/{created.ReportId}/000001");
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }
        check = await w.Patient.GetFromJsonAsync<ReportCheck>($"/api/v1/reports/{created.ReportId}/verify", Ct);
        Assert.Contains(check!.Problems, p => p.Contains("state entry", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_report_file_is_always_a_download_and_never_sniffed()
    {
        var w = await SetUpAsync();
        await using var node = w.Node;
        var text = "<html><script>alert(1)</script></html>"u8.ToArray();
        var created = await Read<ReportsApi.ReportCreatedResponse>(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(Lab, text, "text/plain", "notes.txt"), Ct));
        foreach (var path in new[] { $"/api/v1/reports/{created.ReportId}/file", $"/api/v1/reports/{created.ReportId}/pdf" })
        {
            using var response = await w.Patient.GetAsync(path, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        }
    }

    [Fact]
    public async Task A_flipped_byte_in_a_stored_document_stops_the_next_start_naming_the_document()
    {
        var w = await SetUpAsync();
        await using var node = w.Node;
        var created = await Read<ReportsApi.ReportCreatedResponse>(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(Lab, Pdf), Ct));
        await node.StopAsync();
        var stored = Directory.GetFiles(Path.Combine(node.DataPath, "documents"), "*", SearchOption.AllDirectories).Single();
        var bytes = await System.IO.File.ReadAllBytesAsync(stored, Ct);
        bytes[4000] ^= 1;
        await System.IO.File.WriteAllBytesAsync(stored, bytes, Ct);

        var e = Assert.Throws<HealthLedger.Node.Ledger.LedgerIntegrityException>(() =>
            HealthLedger.Node.Hosting.NodeHost.Build(new NodeOptions { DataDirectory = node.DataPath }, "http://127.0.0.1:0"));
        Assert.Contains($"document {Path.GetFileName(stored)} was changed", e.Message);
        Assert.Contains($"block {created.Height}", e.Message);
    }

    [Fact]
    public async Task A_document_an_earlier_start_verified_is_not_re_hashed_until_it_changes_and_a_changed_one_stops_the_start()
    {
        var w = await SetUpAsync();
        await using var node = w.Node;
        var created = await Read<ReportsApi.ReportCreatedResponse>(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(Lab, Pdf), Ct));
        await node.StopAsync();
        var stored = Directory.GetFiles(Path.Combine(node.DataPath, "documents"), "*", SearchOption.AllDirectories).Single();
        System.IO.File.SetLastWriteTimeUtc(stored, DateTime.UtcNow.AddHours(-1)); // outside the record's racy window
        var ledger = Path.Combine(node.DataPath, "ledger.db");
        await HealthLedger.Node.Hosting.NodeHost.Build(new NodeOptions { DataDirectory = node.DataPath }, "http://127.0.0.1:0").DisposeAsync();
        var record = HealthLedger.Storage.CheckedPrefix.Read(ledger)!;
        Assert.True(record.Vouches(Path.GetFileName(stored), new FileInfo(stored)));

        var bytes = await System.IO.File.ReadAllBytesAsync(stored, Ct);
        bytes[4000] ^= 1;
        await System.IO.File.WriteAllBytesAsync(stored, bytes, Ct); // same length, a new modification time
        Assert.False(record.Vouches(Path.GetFileName(stored), new FileInfo(stored)));
        var e = Assert.Throws<HealthLedger.Node.Ledger.LedgerIntegrityException>(() =>
            HealthLedger.Node.Hosting.NodeHost.Build(new NodeOptions { DataDirectory = node.DataPath }, "http://127.0.0.1:0"));
        Assert.Contains($"document {Path.GetFileName(stored)} was changed", e.Message);
        Assert.Contains($"block {created.Height}", e.Message);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Every_folder_and_file_of_a_nodes_data_is_owner_only()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes");
        var w = await SetUpAsync();
        await using var node = w.Node;
        await Read<ReportsApi.ReportCreatedResponse>(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(Lab, Pdf), Ct));
        var data = node.DataPath;
        var entries = Directory.GetFileSystemEntries(data, "*", SearchOption.AllDirectories).Prepend(data).ToList();
        foreach (var name in new[] { "ledger.db", "ledger.db-wal", "ledger.tip", "keystore.db", "keys", "node.lock", "documents" })
        {
            Assert.Contains(Path.Combine(data, name), entries); // the files a running node has, among them a document
        }
        Assert.Contains(entries, e => e.Contains($"{Path.DirectorySeparatorChar}documents{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && System.IO.File.Exists(e));
        var loose = entries.Select(e => (Path: Path.GetRelativePath(data, e), Mode: System.IO.File.GetUnixFileMode(e), Folder: Directory.Exists(e)))
            .Where(e => e.Mode != (e.Folder ? Storage.OwnerOnly.DirectoryMode : Storage.OwnerOnly.FileMode))
            .Select(e => $"{e.Path}: {e.Mode}").ToList();
        Assert.True(loose.Count == 0, string.Join("\n", loose));
    }

    [Fact]
    public async Task The_pdf_carries_a_verification_code_that_verifies_without_signing_in()
    {
        var w = await SetUpAsync();
        await using var node = w.Node;
        var created = await Read<ReportsApi.ReportCreatedResponse>(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports",
            Upload(new { type = "prescription", title = "Iron", drug = "Ferrous sulfate", dose = "200 mg", route = "oral", frequency = "twice daily", duration = "3 months" }), Ct));
        using var pdf = await w.Patient.GetAsync($"/api/v1/reports/{created.ReportId}/pdf", Ct);
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType?.MediaType);
        var body = await pdf.Content.ReadAsByteArrayAsync(Ct);
        Assert.StartsWith("%PDF-", System.Text.Encoding.ASCII.GetString(body, 0, 5));
        var report = await w.Patient.GetFromJsonAsync<ReportsApi.ReportHistoryResponse>($"/api/v1/reports/{created.ReportId}", Ct);
        var code = report!.Latest.VerificationCode;
        Assert.Matches("^HL-rp-[a-z0-9]+-v1-[0-9a-f]{10}$", code);
        var check = await node.Http.GetFromJsonAsync<ReportCheck>($"/api/v1/verify/{code}", Ct);
        Assert.True(check!.Unchanged);
        Assert.Equal(created.ReportId, check.ReportId);
        var altered = code[..^1] + (code[^1] == '0' ? '1' : '0'); // always a different last character
        await Problem(await node.Http.GetAsync($"/api/v1/verify/{altered}", Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Bad_uploads_are_refused_and_leave_nothing_behind()
    {
        var w = await SetUpAsync(maxDocumentBytes: 100_000);
        await using var node = w.Node;
        var before = (await node.Http.GetFromJsonAsync<HealthResponse>("/healthz", Ct))!.Height;
        var empty = await Problem(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(Lab, []), Ct), HttpStatusCode.BadRequest);
        Assert.True(empty.GetProperty("errors").TryGetProperty("file", out _));
        var type = await Problem(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(Lab, Pdf, "application/x-msdownload", "x.exe"), Ct), HttpStatusCode.BadRequest);
        Assert.Contains("not accepted", type.GetProperty("errors").GetProperty("file")[0].GetString());
        var fake = await Problem(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(Lab, "not a pdf at all"u8.ToArray()), Ct), HttpStatusCode.BadRequest);
        Assert.Contains("not application/pdf", fake.GetProperty("errors").GetProperty("file")[0].GetString());
        var big = await Problem(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(Lab, Pdf), Ct), HttpStatusCode.BadRequest);
        Assert.Contains("larger than the limit", big.GetProperty("errors").GetProperty("file")[0].GetString());
        var fields = await Problem(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(new { type = "prescription", title = "" }), Ct), HttpStatusCode.BadRequest);
        foreach (var f in new[] { "title", "drug", "dose", "route", "frequency", "duration" }) Assert.True(fields.GetProperty("errors").TryGetProperty(f, out _), f);
        await Problem(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(new { type = "surgery" }), Ct), HttpStatusCode.BadRequest);
        await Problem(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", new StringContent("{}"), Ct), HttpStatusCode.UnsupportedMediaType);
        // No grant and no attendance: refused; admins and patients do not write reports.
        await Problem(await w.DoctorB.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(Lab), Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Admin.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(Lab), Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Patient.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(Lab), Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Attending.PostAsync("/api/v1/patients/pt-nobody/reports", Upload(Lab), Ct), HttpStatusCode.NotFound);
        // A second file or metadata part is refused, not ignored: the first file was stored before the second arrived and is discarded.
        var small = "%PDF-1.4\n% small\n%%EOF\n"u8.ToArray();
        var twoFiles = Upload(Lab, small);
        twoFiles.Add(new ByteArrayContent(small) { Headers = { ContentType = new MediaTypeHeaderValue("application/pdf") } }, "file", "second.pdf");
        var second = await Problem(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", twoFiles, Ct), HttpStatusCode.BadRequest);
        Assert.Contains("one 'file' part", second.GetProperty("errors").GetProperty("file")[0].GetString());
        var twoMetadata = Upload(Lab);
        twoMetadata.Add(new StringContent(JsonSerializer.Serialize(Lab)), "metadata");
        var again = await Problem(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", twoMetadata, Ct), HttpStatusCode.BadRequest);
        Assert.True(again.GetProperty("errors").TryGetProperty("metadata", out _));
        var metadataAfterFile = Upload(Lab, small);
        metadataAfterFile.Add(new StringContent(JsonSerializer.Serialize(Lab)), "metadata");
        await Problem(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", metadataAfterFile, Ct), HttpStatusCode.BadRequest);
        // Metadata of the wrong shape names its field without .NET type names; multipart without a boundary is told so (each
        // was "Not valid JSON: …System.String…" and "Send multipart/form-data…").
        var wrongShape = new MultipartFormDataContent { { new StringContent("{\"type\":1}"), "metadata" } };
        var shape = await Problem(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", wrongShape, Ct), HttpStatusCode.BadRequest);
        var typeError = shape.GetProperty("errors").GetProperty("metadata.type")[0].GetString()!;
        Assert.DoesNotContain("System.", typeError, StringComparison.Ordinal);
        using (var noBoundary = new StringContent("--x\r\n"))
        {
            noBoundary.Headers.ContentType = new MediaTypeHeaderValue("multipart/form-data");
            var told = await Problem(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", noBoundary, Ct), HttpStatusCode.BadRequest);
            Assert.Contains("boundary", told.GetProperty("errors").GetProperty("metadata")[0].GetString(), StringComparison.Ordinal);
        }

        var documents = Path.Combine(node.DataPath, "documents");
        Assert.Empty(Directory.Exists(documents) ? Directory.GetFiles(documents, "*", SearchOption.AllDirectories) : []);
        Assert.Equal(before, (await node.Http.GetFromJsonAsync<HealthResponse>("/healthz", Ct))!.Height);
    }

    [Fact]
    public async Task Amendments_keep_the_history()
    {
        var w = await SetUpAsync();
        await using var node = w.Node;
        var created = await Read<ReportsApi.ReportCreatedResponse>(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports",
            Upload(new { type = "imaging", title = "Chest X-ray", summary = "No consolidation." }), Ct));
        var reason = await Problem(await w.Attending.PostAsync($"/api/v1/reports/{created.ReportId}/amendments", Upload(new { title = "Chest X-ray", summary = "Small effusion." }), Ct), HttpStatusCode.BadRequest);
        Assert.True(reason.GetProperty("errors").TryGetProperty("amendmentReason", out _));
        var amended = await Read<ReportsApi.ReportCreatedResponse>(await w.Attending.PostAsync($"/api/v1/reports/{created.ReportId}/amendments",
            Upload(new { title = "Chest X-ray", summary = "Small left effusion.", amendmentReason = "Second read" }), Ct));
        Assert.Equal(2, amended.Version);
        var history = await w.Patient.GetFromJsonAsync<ReportsApi.ReportHistoryResponse>($"/api/v1/reports/{created.ReportId}", Ct);
        Assert.Equal(["No consolidation.", "Small left effusion."], history!.Versions.Select(v => v.Summary));
        var first = await w.Patient.GetFromJsonAsync<ReportCheck>($"/api/v1/reports/{created.ReportId}/verify?version=1", Ct);
        Assert.True(first!.Unchanged && first.Superseded);
    }

    [Fact]
    public async Task A_reports_grant_lets_a_doctor_add_reports_but_only_the_author_or_their_admin_amends_one()
    {
        var w = await SetUpAsync();
        await using var node = w.Node;
        var created = await Read<ReportsApi.ReportCreatedResponse>(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(Lab, Pdf), Ct));
        await Read<WriteResponse>(await w.Patient.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/grants", new { granteeKind = "doctor", granteeId = "dr-b", categories = new[] { "reports" } }, Ct));
        var before = (await node.Http.GetFromJsonAsync<HealthResponse>("/healthz", Ct))!.Height;

        // The case: the grantee amended dr-a's signed report. Now refused at the door, nothing written.
        var refused = await Problem(await w.DoctorB.PostAsync($"/api/v1/reports/{created.ReportId}/amendments",
            Upload(new { title = "Full blood count", summary = "Rewritten.", amendmentReason = "Mine now" }, Pdf), Ct), HttpStatusCode.Forbidden);
        Assert.Contains("author", refused.GetProperty("detail").GetString());
        Assert.Equal(before, (await node.Http.GetFromJsonAsync<HealthResponse>("/healthz", Ct))!.Height);
        Assert.Equal(1, (await w.Patient.GetFromJsonAsync<ReportsApi.ReportHistoryResponse>($"/api/v1/reports/{created.ReportId}", Ct))!.Latest.Version);

        // The grantee adds a report of their own; the author and an admin of the author's organisation amend.
        var own = await Read<ReportsApi.ReportCreatedResponse>(await w.DoctorB.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(new { type = "imaging", title = "Echo", summary = "Normal." }), Ct));
        Assert.Equal(1, own.Version);
        var byAuthor = await Read<ReportsApi.ReportCreatedResponse>(await w.Attending.PostAsync($"/api/v1/reports/{created.ReportId}/amendments",
            Upload(new { title = "Full blood count", summary = "Repeat advised.", amendmentReason = "Comment" }, Pdf), Ct));
        Assert.Equal(2, byAuthor.Version);
        var byAdmin = await Read<ReportsApi.ReportCreatedResponse>(await w.Admin.PostAsync($"/api/v1/reports/{created.ReportId}/amendments",
            Upload(new { title = "Full blood count", summary = "Repeat advised.", amendmentReason = "Typo in the title" }), Ct));
        Assert.Equal(3, byAdmin.Version);
        // dr-a may not amend dr-b's report either, nor the patient anyone's.
        await Problem(await w.Attending.PostAsync($"/api/v1/reports/{own.ReportId}/amendments", Upload(new { title = "Echo", summary = "x", amendmentReason = "y" }), Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Patient.PostAsync($"/api/v1/reports/{own.ReportId}/amendments", Upload(new { title = "Echo", summary = "x", amendmentReason = "y" }), Ct), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task An_amendment_without_a_new_file_keeps_the_previous_file_and_the_old_version_verifies_as_superseded()
    {
        var w = await SetUpAsync();
        await using var node = w.Node;
        var created = await Read<ReportsApi.ReportCreatedResponse>(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(Lab, Pdf), Ct));
        var amended = await Read<ReportsApi.ReportCreatedResponse>(await w.Attending.PostAsync($"/api/v1/reports/{created.ReportId}/amendments",
            Upload(new { title = "Full blood count (reviewed)", summary = "Iron studies advised.", amendmentReason = "Comment added" }), Ct));
        Assert.Equal((2, created.Sha256), (amended.Version, amended.Sha256));
        Assert.Equal(Pdf, await w.Patient.GetByteArrayAsync($"/api/v1/reports/{created.ReportId}/file?version=2", Ct));
        Assert.Equal(Pdf, await w.Patient.GetByteArrayAsync($"/api/v1/reports/{created.ReportId}/file?version=1", Ct));
        var history = await w.Patient.GetFromJsonAsync<ReportsApi.ReportHistoryResponse>($"/api/v1/reports/{created.ReportId}", Ct);
        Assert.Equal("Full blood count (reviewed)", history!.Latest.Title);

        var current = await w.Patient.GetFromJsonAsync<ReportCheck>($"/api/v1/reports/{created.ReportId}/verify", Ct);
        Assert.Equal(("authentic", 2), (current!.Status, current.Version));
        var first = await w.Patient.GetFromJsonAsync<ReportCheck>($"/api/v1/reports/{created.ReportId}/verify?version=1", Ct);
        Assert.Equal(("superseded", 2), (first!.Status, first.LatestVersion));
        using (var file = new MultipartFormDataContent())
        {
            file.Add(new ByteArrayContent(Pdf), "file", "copy.pdf");
            var match = await Read<FileMatch>(await w.Patient.PostAsync("/api/v1/verify/file", file, Ct));
            Assert.False(match.Superseded); // the current version still carries this file
        }

        // The public page shows the old version as superseded, prominently, never as a green "authentic".
        var code = history.Versions[0].VerificationCode;
        Assert.Equal("superseded", (await node.Http.GetFromJsonAsync<ReportCheck>($"/api/v1/verify/{code}", Ct))!.Status);
        var page = await node.Http.GetStringAsync($"/verify?code={code}", Ct);
        Assert.Contains("data-status=\"superseded\"", page);
        Assert.Contains("Superseded", page);
        Assert.DoesNotContain("Authentic", page);
        Assert.DoesNotContain("alert ok", page);
        var latest = await node.Http.GetStringAsync($"/verify?code={history.Latest.VerificationCode}", Ct);
        Assert.Contains("Authentic", latest);
    }

    [Fact]
    public async Task Consent_lets_a_doctor_read_until_revoked_or_expired_and_every_read_and_refusal_is_listed_for_the_patient()
    {
        var w = await SetUpAsync();
        await using var node = w.Node;
        var created = await Read<ReportsApi.ReportCreatedResponse>(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(Lab, Pdf), Ct));
        await Problem(await w.DoctorB.GetAsync($"/api/v1/reports/{created.ReportId}", Ct), HttpStatusCode.Forbidden);

        var expires = DateTimeOffset.UtcNow.AddDays(7);
        var grant = await Read<WriteResponse>(await w.Patient.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/grants",
            new { granteeKind = "doctor", granteeId = "dr-b", categories = new[] { "reports" }, expiresAt = expires }, Ct));
        var report = await w.DoctorB.GetFromJsonAsync<ReportsApi.ReportHistoryResponse>($"/api/v1/reports/{created.ReportId}", Ct);
        Assert.Equal("Full blood count", report!.Latest.Title);
        Assert.Equal(Pdf, await w.DoctorB.GetByteArrayAsync($"/api/v1/reports/{created.ReportId}/file", Ct));
        await Problem(await w.DoctorB.GetAsync($"/api/v1/patients/{w.PatientId}/account", Ct), HttpStatusCode.Forbidden); // not granted

        var grants = await w.Patient.GetFromJsonAsync<List<GrantResponse>>($"/api/v1/patients/{w.PatientId}/grants", Ct);
        Assert.True(Assert.Single(grants!).Active);
        // A revocation is a DELETE: its Idempotency-Key is honoured as a POST's (break-it, 2026-12-07: the header was ignored
        // on DELETE, so a retried revocation answered 400 "already revoked").
        foreach (var replayed in new[] { false, true })
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/patients/{w.PatientId}/grants/{grant.Id}");
            request.Headers.Add(HealthLedger.Node.Web.IdempotencyKeys.Header, "revoke-1");
            using var revoke = await w.Patient.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
            Assert.Equal(replayed, revoke.Headers.Contains(HealthLedger.Node.Web.IdempotencyKeys.ReplayedHeader));
        }
        await Problem(await w.DoctorB.GetAsync($"/api/v1/reports/{created.ReportId}", Ct), HttpStatusCode.Forbidden);

        // A second grant expires without anyone acting.
        await Read<WriteResponse>(await w.Patient.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/grants",
            new { granteeKind = "doctor", granteeId = "dr-b", categories = new[] { "all" }, expiresAt = DateTimeOffset.UtcNow.AddHours(1) }, Ct));
        Assert.Equal(HttpStatusCode.OK, (await w.DoctorB.GetAsync($"/api/v1/patients/{w.PatientId}", Ct)).StatusCode);
        w.Clock.Advance(TimeSpan.FromHours(2));
        // Two idle hours also ended every session (idle timeout): the same users sign in again.
        using var doctorB = await node.LoginAsync("dr-b", NodeFixture.ChosenPassword);
        using var patient = await node.LoginAsync(w.PatientId, NodeFixture.ChosenPassword);
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        await Problem(await doctorB.GetAsync($"/api/v1/patients/{w.PatientId}", Ct), HttpStatusCode.Forbidden);

        await ((DisclosureRecorder)node.App.Services.GetService(typeof(DisclosureRecorder))!).FlushAsync(Ct);
        var disclosures = await patient.GetFromJsonAsync<List<DisclosureResponse>>($"/api/v1/patients/{w.PatientId}/disclosures", Ct);
        Assert.Contains(disclosures!, d => d.ActorId == "dr-b" && d.Outcome == "allowed" && d.Purpose == "consented access" && d.Resource.StartsWith("report", StringComparison.Ordinal));
        Assert.Contains(disclosures!, d => d.ActorId == "dr-b" && d.Outcome == "denied" && d.Resource.StartsWith("report", StringComparison.Ordinal));
        Assert.DoesNotContain(disclosures!, d => d.ActorId == w.PatientId); // the patient's own reads are not disclosures
        await Problem(await doctorB.GetAsync($"/api/v1/patients/{w.PatientId}/disclosures", Ct), HttpStatusCode.Forbidden);

        using var csv = await admin.GetAsync($"/api/v1/audit?patientId={w.PatientId}&outcome=denied&format=csv", Ct);
        var text = await csv.Content.ReadAsStringAsync(Ct);
        Assert.StartsWith("at,actorId,actorRole,patientId,resource,purpose,outcome,block", text);
        Assert.Contains(",dr-b,doctor,", text);
        Assert.DoesNotContain(",allowed,", text);
    }

    [Fact]
    public async Task Grant_input_is_checked()
    {
        var w = await SetUpAsync();
        await using var node = w.Node;
        var bad = await Problem(await w.Patient.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/grants",
            new { granteeKind = "robot", granteeId = "x", categories = new[] { "gossip" }, expiresAt = DateTimeOffset.UtcNow.AddDays(-1) }, Ct), HttpStatusCode.BadRequest);
        foreach (var f in new[] { "granteeKind", "categories", "expiresAt" }) Assert.True(bad.GetProperty("errors").TryGetProperty(f, out _), f);
        var unknown = await Problem(await w.Patient.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/grants", new { granteeKind = "doctor", granteeId = "dr-zz", categories = new[] { "all" } }, Ct), HttpStatusCode.BadRequest);
        Assert.True(unknown.GetProperty("errors").TryGetProperty("granteeId", out _));
        await Problem(await w.Admin.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/grants", new { granteeKind = "doctor", granteeId = "dr-b", categories = new[] { "all" } }, Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Patient.DeleteAsync($"/api/v1/patients/{w.PatientId}/grants/gr-nothing", Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_file_check_with_two_file_parts_is_refused_not_half_answered()
    {
        var w = await SetUpAsync();
        await using var node = w.Node;
        var form = FilePart(Pdf);
        form.Add(new ByteArrayContent([1, 2, 3]), "file", "other.pdf");
        var problem = await Problem(await w.Attending.PostAsync("/api/v1/verify/file", form, Ct), HttpStatusCode.BadRequest);
        Assert.Contains("one 'file' part", problem.GetProperty("errors").GetProperty("file")[0].GetString());
    }

    private static MultipartFormDataContent FilePart(byte[] bytes)
    {
        var part = new ByteArrayContent(bytes);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return new MultipartFormDataContent { { part, "file", "copy.pdf" } };
    }
}
