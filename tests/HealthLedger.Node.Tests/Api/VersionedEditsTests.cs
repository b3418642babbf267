using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace HealthLedger.Node.Tests.Api;

/// <summary>
/// Every edit of a versioned record, through the API and through the web forms, follows one rule (EditedVersion): without the
/// version it edits it is 400 naming <c>version</c>, with a version that is no longer the current one 409 naming
/// <c>version</c> and the current version, and in both cases nothing changes; with the current version it is saved.
/// </summary>
public class VersionedEditsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An API edit: where its record is read (the JSON carries <c>version</c>) and written, and the body for a version (none when null).</summary>
    private sealed record ApiEdit(string Name, string ReadPath, string WritePath, Func<int?, object> Body);

    /// <summary>A web form edit: the page, its handler, the form's fields and the name of its hidden version field; where the API reads the record.</summary>
    private sealed record FormEdit(string Name, string Page, string? Handler, Dictionary<string, string> Fields, string VersionField, string ReadPath);

    private static async Task<(string Text, int Version, string? ETag)> ReadAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {response.StatusCode} {text}");
        return (text, JsonDocument.Parse(text).RootElement.GetProperty("version").GetInt32(), response.Headers.ETag?.Tag);
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string what)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(status == response.StatusCode, $"{what}: {response.StatusCode} {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }

    [Fact]
    public async Task Every_versioned_edit_refuses_a_missing_version_with_400_and_a_stale_one_with_409_changing_nothing_and_saves_the_current_one()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        (await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-one", name = "Alice Smith", specialty = "Cardiology", department = "Heart centre", licenceNumber = "L-1" }, Ct)).EnsureSuccessStatusCode();
        var patient = await ApiResponses.Read<HealthLedger.Node.Web.WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-V1", fullName = "Vera Version", dateOfBirth = "1980-02-29", gender = "female" }, Ct));
        var drug = await ApiResponses.Read<HealthLedger.Node.Pharmacy.DrugResponse>(await admin.PostAsJsonAsync("/api/v1/pharmacy/drugs",
            new { name = "Amoxicillin", strength = "500 mg", form = "capsule", atcCode = "J01CA04", unitPrice = 2.50m, reorderLevel = 10 }, Ct));
        var round = 0;

        ApiEdit[] api =
        [
            new("patient demographics", $"/api/v1/patients/{patient.Id}", $"/api/v1/patients/{patient.Id}",
                v => new { mrn = "MRN-V1", fullName = $"Vera Version {++round}", dateOfBirth = "1980-02-29", gender = "female", version = v }),
            new("doctor directory entry", "/api/v1/doctors/dr-one", "/api/v1/doctors/dr-one",
                v => new { name = "Alice Smith", specialty = $"Cardiology {++round}", department = "Heart centre", licenceNumber = "L-1", version = v }),
            new("formulary drug", $"/api/v1/pharmacy/drugs/{drug.Id}", $"/api/v1/pharmacy/drugs/{drug.Id}",
                v => new { name = "Amoxicillin", strength = "500 mg", form = "capsule", atcCode = "J01CA04", unitPrice = 2.50m + ++round, reorderLevel = 10, version = v }),
            new("ward list", "/api/v1/wards", "/api/v1/wards",
                v => new { version = v, wards = new[] { new { name = "ICU", beds = new[] { "ICU-1", $"ICU-{++round + 1}" } } } }),
            new("network policy", "/api/v1/policy", "/api/v1/policy",
                v => new { version = v, careAfterDischargeDays = 10 + ++round, careAfterVisitDays = 30 }),
            new("laboratory catalogue", "/api/v1/lab/catalogue", "/api/v1/lab/catalogue", v => Laboratory.LabApiTests.Catalogue(v)),
        ];
        foreach (var edit in api)
        {
            var (before, version, etag) = await ReadAsync(admin, edit.ReadPath);
            Assert.True(EditedVersionTag(version) == etag, $"{edit.Name}: ETag {etag} for version {version}");

            // (a) No version: 400 naming version; nothing changed.
            var missing = await ProblemAsync(await admin.PutAsJsonAsync(edit.WritePath, edit.Body(null), Ct), HttpStatusCode.BadRequest, edit.Name + " without a version");
            Assert.True(missing.GetProperty("errors").TryGetProperty("version", out _), $"{edit.Name}: {missing}");
            Assert.Equal(before, (await ReadAsync(admin, edit.ReadPath)).Text);

            // (c) The current version: saved as the next one.
            using (var saved = await admin.PutAsJsonAsync(edit.WritePath, edit.Body(version), Ct))
            {
                Assert.True(saved.IsSuccessStatusCode, $"{edit.Name} at version {version}: {saved.StatusCode} {await saved.Content.ReadAsStringAsync(Ct)}");
            }
            var (after, next, _) = await ReadAsync(admin, edit.ReadPath);
            Assert.Equal(version + 1, next);

            // (b) The version just replaced is stale: 409 naming version and the current one; nothing changed.
            var stale = await ProblemAsync(await admin.PutAsJsonAsync(edit.WritePath, edit.Body(version), Ct), HttpStatusCode.Conflict, edit.Name + " at a stale version");
            Assert.Contains($"current version is {next}", stale.GetProperty("errors").GetProperty("version")[0].GetString(), StringComparison.Ordinal);
            Assert.Contains($"now version {next}", stale.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal(after, (await ReadAsync(admin, edit.ReadPath)).Text);

            // (c) A version that never existed: 409 saying so, not that the record "changed since you opened it".
            var future = await ProblemAsync(await admin.PutAsJsonAsync(edit.WritePath, edit.Body(next + 7), Ct), HttpStatusCode.Conflict, edit.Name + " at a future version");
            Assert.Contains($"Version {next + 7} does not exist", future.GetProperty("errors").GetProperty("version")[0].GetString(), StringComparison.Ordinal);
            Assert.Contains($"has no version {next + 7}", future.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal(after, (await ReadAsync(admin, edit.ReadPath)).Text);
        }

        // The web forms: each carries the version as a hidden field, and posts the same three ways.
        var web = await node.CookieLoginAsync("admin", NodeFixture.Password);
        FormEdit[] forms =
        [
            new("patient edit form", $"/patients/{patient.Id}", "Edit",
                new() { ["Edit.Mrn"] = "MRN-V1", ["Edit.FullName"] = "Vera Form", ["Edit.DateOfBirth"] = "1980-02-29", ["Edit.Gender"] = "female" }, "Edit.Version", $"/api/v1/patients/{patient.Id}"),
            new("doctor edit form", "/doctors/dr-one", "Edit",
                new() { ["Edit.Name"] = "Alice Form", ["Edit.Specialty"] = "Cardiology", ["Edit.Department"] = "Heart centre", ["Edit.LicenceNumber"] = "L-1" }, "Edit.Version", "/api/v1/doctors/dr-one"),
            new("ward list form", "/wards", null, new() { ["Text"] = "ICU: ICU-1, ICU-2\nW1: 1, 2" }, "Version", "/api/v1/wards"),
            new("laboratory catalogue form", "/lab/catalogue", null,
                new() { ["Test.OriginalCode"] = "GLU", ["Test.Code"] = "GLU", ["Test.Name"] = "Glucose (fasting)", ["Test.SpecimenType"] = "serum", ["Test.Unit"] = "mmol/L", ["Test.PossibleLow"] = "0.5", ["Test.PossibleHigh"] = "60", ["Test.Price"] = "9", ["Test.TurnaroundHours"] = "2", ["Test.Ranges[0].Low"] = "3.9", ["Test.Ranges[0].High"] = "5.5" },
                "CatalogueVersion", "/api/v1/lab/catalogue"),
            new("network policy form", "/consortium", "NetworkPolicy", new() { ["careAfterDischargeDays"] = "40", ["careAfterVisitDays"] = "60" }, "version", "/api/v1/policy"),
        ];
        foreach (var form in forms)
        {
            var (before, version, _) = await ReadAsync(admin, form.ReadPath);
            var page = await web.GetStringAsync(form.Page, Ct);
            Assert.Matches($"<input type=\"hidden\"[^>]*name=\"{System.Text.RegularExpressions.Regex.Escape(form.VersionField)}\"[^>]*value=\"{version}\"|<input type=\"hidden\"[^>]*value=\"{version}\"[^>]*name=\"{System.Text.RegularExpressions.Regex.Escape(form.VersionField)}\"", page);
            var action = form.Handler is null ? form.Page : $"{form.Page}?handler={form.Handler}";

            async Task<HttpResponseMessage> PostAsync(int? edited)
            {
                var fields = new Dictionary<string, string>(form.Fields) { ["__RequestVerificationToken"] = NodeFixture.AntiforgeryToken(await web.GetStringAsync(form.Page, Ct)) };
                if (edited is { } v) fields[form.VersionField] = v.ToString(System.Globalization.CultureInfo.InvariantCulture);
                using var content = new FormUrlEncodedContent(fields);
                return await web.PostAsync(action, content, Ct);
            }

            using (var missing = await PostAsync(null))
            {
                Assert.True(missing.StatusCode == HttpStatusCode.BadRequest, $"{form.Name} without a version: {missing.StatusCode}");
            }
            Assert.Equal(before, (await ReadAsync(admin, form.ReadPath)).Text);

            using (var saved = await PostAsync(version))
            {
                Assert.True(saved.StatusCode == HttpStatusCode.Redirect, $"{form.Name} at version {version}: {saved.StatusCode} {await saved.Content.ReadAsStringAsync(Ct)}");
            }
            var (after, next, _) = await ReadAsync(admin, form.ReadPath);
            Assert.Equal(version + 1, next);

            using (var stale = await PostAsync(version))
            {
                Assert.True(stale.StatusCode == HttpStatusCode.Conflict, $"{form.Name} at a stale version: {stale.StatusCode}");
                Assert.Contains($"now version {next}", await stale.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
            }
            Assert.Equal(after, (await ReadAsync(admin, form.ReadPath)).Text);
        }
    }

    private static string EditedVersionTag(int version) => HealthLedger.Node.Records.EditedVersion.ETag(version);
}
