using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using HealthLedger.Node.Web;

namespace HealthLedger.Node.Tests.Api;

/// <summary>Bad values that fail before validation (binding) get the same answer as every other bad input: a 400 problem naming the field.</summary>
public class BindingErrorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.BadRequest)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Binding_failures_name_their_field_and_write_nothing()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var patient = (await (await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-B1", fullName = "Pat B", dateOfBirth = "1970-01-01", gender = "male" }, Ct)).Content.ReadFromJsonAsync<WriteResponse>(Ct))!;
        var height = (await node.Http.GetFromJsonAsync<JsonElement>("/healthz", Ct)).GetProperty("height").GetUInt64();

        var cases = new (string Path, HttpContent? Body, string Field)[]
        {
            ("/api/v1/patients", Json("""{"mrn":"MRN-B2","fullName":"X Y","dateOfBirth":"2001-02-29","gender":"female"}"""), "dateOfBirth"),
            ($"/api/v1/patients/{patient.Id}/account/payments", Json("""{"occurredAt":"2026-01-02T10:00","amount":"ten","method":"cash"}"""), "amount"),
            ($"/api/v1/patients/{patient.Id}/account/charges", Json("""{"occurredAt":"2026-01-02T10:00","service":"X","quantity":1.5,"unitPrice":10}"""), "quantity"),
            ($"/api/v1/patients/{patient.Id}/entries", Json("""{"type":"visit","occurredAt":"yesterday"}"""), "occurredAt"),
            ($"/api/v1/patients/{patient.Id}/vital-signs", Json("""{"takenAt":"2026-01-02T10:00","heartRate":true}"""), "heartRate"),
            ("/api/v1/doctors", Json("""{"doctorId":"dr-b","onCall":"yes"}"""), "onCall"),
            ("/api/v1/patients", Json("""{"mrn": "MRN-B3", """), "body"),
            // A field given twice was read as its last copy (a client's merge bug writing the ward it did not show): refused, naming it.
            ($"/api/v1/patients/{patient.Id}/entries", Json("""{"type":"visit","occurredAt":"2026-01-02T10:00","notes":"a","notes":"b"}"""), "notes"),
            ("/api/v1/patients", Json("""{"mrn":"MRN-B4","fullName":"X Y","dateOfBirth":"2001-02-01","gender":"female","MRN":"MRN-B5"}"""), "mrn"),
            ("/api/v1/patients", Json(""), "body"),
            ("/api/v1/patients", new StringContent("mrn=1", Encoding.UTF8, "text/plain"), "body"),
        };
        foreach (var (path, body, field) in cases)
        {
            using (body)
            {
                var expected = body?.Headers.ContentType?.MediaType == "text/plain" ? HttpStatusCode.UnsupportedMediaType : HttpStatusCode.BadRequest;
                var problem = await Problem(await admin.PostAsync(path, body, Ct), expected);
                var messages = problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out var m) ? m : default;
                Assert.True(messages.ValueKind == JsonValueKind.Array, $"{path}: {problem}");
                Assert.DoesNotContain("System.", messages[0].GetString());
            }
        }
        using (var wrongType = Json("""{"takenAt":"2026-01-02T10:00","heartRate":"fast"}"""))
        {
            var vitals = await Problem(await admin.PostAsync($"/api/v1/patients/{patient.Id}/vital-signs", wrongType, Ct));
            Assert.Equal("Not a whole number.", vitals.GetProperty("errors").GetProperty("heartRate")[0].GetString());
        }
        // Several values of the wrong type: each named, not only the first (System.Text.Json stops at the first); a value of the
        // right type is not, nor a field the body does not have.
        using (var several = Json("""{"takenAt":5,"heartRate":"fast","systolicMmHg":120,"temperatureCelsius":"hot","oxygenSaturation":[98],"notes":{"a":1}}"""))
        {
            var vitals = await Problem(await admin.PostAsync($"/api/v1/patients/{patient.Id}/vital-signs", several, Ct));
            var errors = vitals.GetProperty("errors");
            Assert.Equal(["heartRate", "notes", "oxygenSaturation", "takenAt", "temperatureCelsius"], errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
            Assert.Equal("Not text.", errors.GetProperty("takenAt")[0].GetString());
            Assert.Equal("Not a whole number.", errors.GetProperty("heartRate")[0].GetString());
            Assert.Equal("Not a number.", errors.GetProperty("temperatureCelsius")[0].GetString());
            Assert.Equal("Not a whole number.", errors.GetProperty("oxygenSaturation")[0].GetString());
            Assert.Equal("Not text.", errors.GetProperty("notes")[0].GetString());
        }
        // Bounded (break-it: a list of 450,000 wrong items was answered with as many errors, 15 MB after 4 CPU seconds): at most
        // BindingProblems.MaxWrongTypesNamed fields, the first ones.
        var many = "{\"mrn\":1,\"fullName\":\"x\",\"dateOfBirth\":\"1980-01-01\",\"gender\":\"female\",\"conditions\":[" + string.Join(',', Enumerable.Repeat("1", 200_000)) + "]}";
        using (var manyWrong = Json(many))
        {
            var refused = await Problem(await admin.PostAsync("/api/v1/patients", manyWrong, Ct));
            var errors = refused.GetProperty("errors").EnumerateObject().Select(e => e.Name).ToList();
            Assert.Equal(BindingProblems.MaxWrongTypesNamed, errors.Count);
            Assert.Contains("mrn", errors);
            Assert.Contains("conditions[0]", errors);
        }
        using (var twice = Json("""{"doctorId":"dr-twice","name":"A B","specialty":"X","department":"Y","licenceNumber":"L","doctorId":"dr-other"}"""))
        {
            var doctor = await Problem(await admin.PostAsync("/api/v1/doctors", twice, Ct));
            Assert.Equal("Given more than once: send each field once.", doctor.GetProperty("errors").GetProperty("doctorId")[0].GetString());
        }
        var page = await Problem(await admin.GetAsync("/api/v1/patients?page=abc", Ct));
        Assert.Contains("whole number", page.GetProperty("errors").GetProperty("page")[0].GetString());
        Assert.Equal(height, (await node.Http.GetFromJsonAsync<JsonElement>("/healthz", Ct)).GetProperty("height").GetUInt64());
    }

    [Theory]
    [InlineData("text/html")]
    [InlineData("text/csv")]
    [InlineData("application/xml")]
    public async Task A_binding_failure_is_a_problem_naming_the_field_whatever_the_client_accepts(string accept)
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var height = (await node.Http.GetFromJsonAsync<JsonElement>("/healthz", Ct)).GetProperty("height").GetUInt64();
        var cases = new (HttpMethod Method, string Path, HttpContent? Body, HttpStatusCode Status, string Field)[]
        {
            (HttpMethod.Get, "/api/v1/patients?page=abc", null, HttpStatusCode.BadRequest, "page"),
            (HttpMethod.Get, "/api/v1/audit?from=zzz", null, HttpStatusCode.BadRequest, "from"),
            (HttpMethod.Post, "/api/v1/patients", Json("{bad"), HttpStatusCode.BadRequest, "body"),
            (HttpMethod.Post, "/api/v1/patients", new StringContent("mrn=1", Encoding.UTF8, "text/plain"), HttpStatusCode.UnsupportedMediaType, "body"),
        };
        foreach (var (method, path, body, status, field) in cases)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body };
            request.Headers.Accept.ParseAdd(accept);
            var problem = await Problem(await admin.SendAsync(request, Ct), status);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{method} {path} (Accept: {accept}): {problem}");
        }
        Assert.Equal(height, (await node.Http.GetFromJsonAsync<JsonElement>("/healthz", Ct)).GetProperty("height").GetUInt64());
    }

    /// <summary>
    /// A body of a media type the endpoint does not read is told the type it does: JSON for most, octet-stream for signed
    /// transactions, multipart for report uploads (each was told "application/json"). Nothing is written.
    /// </summary>
    [Fact]
    public async Task A_body_of_the_wrong_media_type_is_told_the_type_its_endpoint_reads()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var height = (await node.Http.GetFromJsonAsync<JsonElement>("/healthz", Ct)).GetProperty("height").GetUInt64();
        foreach (var (path, expected) in new[]
        {
            ("/api/v1/patients", "application/json"),
            ("/api/v1/transactions", "application/octet-stream"),
            ("/api/v1/transactions/batch", "application/octet-stream"),
            ("/api/v1/patients/pat-x/reports", "multipart/form-data"),
        })
        {
            var problem = await Problem(await admin.PostAsync(path, new StringContent("x", Encoding.UTF8, "text/plain"), Ct), HttpStatusCode.UnsupportedMediaType);
            Assert.Equal($"Send the body as {expected}.", problem.GetProperty("errors").GetProperty("body")[0].GetString());
        }
        Assert.Equal(height, (await node.Http.GetFromJsonAsync<JsonElement>("/healthz", Ct)).GetProperty("height").GetUInt64());
    }

    /// <summary>
    /// A charset .NET cannot decode (unknown, empty, UTF-7) is a 415 naming it, on JSON endpoints (signed in or not), FHIR's
    /// search form and the pages' forms: every body reader threw on it and each was a 500. Nothing is written.
    /// </summary>
    [Fact]
    public async Task A_body_in_a_charset_the_node_cannot_read_is_refused_as_a_media_type_never_a_server_error()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var height = (await node.Http.GetFromJsonAsync<JsonElement>("/healthz", Ct)).GetProperty("height").GetUInt64();
        foreach (var charset in new[] { "bogus", "utf-7", "\"\"", "ibm037" })
        {
            foreach (var (client, path, body) in new[] { (admin, "/api/v1/patients", "{}"), (node.Http, "/api/v1/auth/token", """{"username":"admin","password":"x"}""") })
            {
                using var content = new StringContent(body);
                content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse($"application/json; charset={charset}");
                var problem = await Problem(await client.PostAsync(path, content, Ct), HttpStatusCode.UnsupportedMediaType);
                Assert.Contains("send the body in UTF-8", problem.GetProperty("errors").GetProperty("body")[0].GetString(), StringComparison.Ordinal);
            }
            using var form = new StringContent("name=x");
            form.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse($"application/x-www-form-urlencoded; charset={charset}");
            using var search = await admin.PostAsync("/fhir/R4/Patient/_search", form, Ct);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, search.StatusCode);
            Assert.Contains("OperationOutcome", await search.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
            using var page = new StringContent("Username=a&Password=b");
            page.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse($"application/x-www-form-urlencoded; charset={charset}");
            using var login = await node.Http.PostAsync("/login", page, Ct);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, login.StatusCode);
        }
        // The charset of one multipart part, read by the form reader (a page's antiforgery check, a FHIR search): 400, not 500.
        foreach (var (client, path) in new[] { (node.Http, "/login"), (admin, "/fhir/R4/Patient/_search") })
        {
            using var multipart = new StringContent("--xx\r\nContent-Disposition: form-data; name=\"name\"\r\nContent-Type: text/plain; charset=utf-7\r\n\r\nabc\r\n--xx--\r\n");
            multipart.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data; boundary=xx");
            using var refused = await client.PostAsync(path, multipart, Ct);
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)refused.StatusCode}");
        }
        // UTF-16 is decoded, as before: the empty registration is refused for its fields, not its charset.
        using (var utf16 = new StringContent("{}", Encoding.Unicode, "application/json"))
        {
            await Problem(await admin.PostAsync("/api/v1/patients", utf16, Ct), HttpStatusCode.BadRequest);
        }
        Assert.Equal(height, (await node.Http.GetFromJsonAsync<JsonElement>("/healthz", Ct)).GetProperty("height").GetUInt64());
    }

    /// <summary>
    /// A body whose chunks are malformed gets a problem with <c>errors.body</c> saying so (it was a bare "Bad Request"), and a
    /// batch declared over its cap names the cap in <c>errors.body</c> (it had no errors).
    /// </summary>
    [Fact]
    public async Task Bodies_malformed_or_declared_over_the_cap_are_problems_that_say_so()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var token = admin.DefaultRequestHeaders.Authorization!.Parameter;
        var malformed = await RawAsync(node, $"POST /api/v1/patients HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n" +
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400", malformed, StringComparison.Ordinal);
        Assert.Contains("could not be read", malformed, StringComparison.Ordinal);
        // Declared over the cap and not sent (the client waits for 100-continue): refused from the declared length alone.
        var tooLarge = await RawAsync(node, $"POST /api/v1/transactions/batch HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n" +
            "Content-Type: application/octet-stream\r\nContent-Length: 9000000\r\nExpect: 100-continue\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 413", tooLarge, StringComparison.Ordinal);
        var problem = JsonDocument.Parse(tooLarge[tooLarge.IndexOf('{', StringComparison.Ordinal)..(tooLarge.LastIndexOf('}') + 1)]).RootElement; // the body, chunked
        Assert.Contains("accepts up to 8 MB", problem.GetProperty("errors").GetProperty("body")[0].GetString(), StringComparison.Ordinal);
    }

    // Sends raw HTTP/1.1 bytes (the request asks for the connection to close) and returns the whole answer as text.
    private static async Task<string> RawAsync(NodeFixture node, string request)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(node.Http.BaseAddress!.Host, node.Http.BaseAddress.Port, Ct);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), Ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync(Ct);
    }

    [Fact]
    public async Task Nulls_inside_lists_are_field_errors_naming_the_item_never_a_server_error()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var doctor = (await (await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-n", name = "N N", specialty = "Lab", department = "Lab", licenceNumber = "L" }, Ct)).Content.ReadFromJsonAsync<WriteResponse>(Ct))!;
        // A null list item is a field error naming the item (NullElements), in every module.
        var nullCondition = await Problem(await admin.PostAsync("/api/v1/patients", Json("""{"mrn":"MRN-N1","fullName":"Pat N","dateOfBirth":"1970-01-01","gender":"male","conditions":[null,"Asthma"]}"""), Ct));
        Assert.Equal(["conditions[0]"], nullCondition.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        using var created = await admin.PostAsync("/api/v1/patients", Json("""{"mrn":"MRN-N1","fullName":"Pat N","dateOfBirth":"1970-01-01","gender":"male","conditions":["Asthma"]}"""), Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var patient = (await created.Content.ReadFromJsonAsync<WriteResponse>(Ct))!;
        (await admin.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/entries", new { type = "visit", occurredAt = "2026-01-02T10:00", doctorId = "dr-n", notes = "x" }, Ct)).EnsureSuccessStatusCode();
        var labDoctor = await node.FirstLoginAsync("dr-n", doctor.OneTimePassword!);

        static MultipartFormDataContent Report(string metadata) => new() { { new StringContent(metadata), "metadata" } };
        var nullResult = await Problem(await labDoctor.PostAsync($"/api/v1/patients/{patient.Id}/reports", Report("""{"type":"lab","title":"CBC","labResults":[null]}"""), Ct));
        Assert.True(nullResult.GetProperty("errors").TryGetProperty("labResults[0]", out _), nullResult.ToString());
        using var noUnit = await labDoctor.PostAsync($"/api/v1/patients/{patient.Id}/reports", Report("""{"type":"lab","title":"CBC","labResults":[{"test":"Hb","value":"13"}]}"""), Ct);
        Assert.Equal(HttpStatusCode.Created, noUnit.StatusCode);

        var patientClient = await node.FirstLoginAsync(patient.Id, patient.OneTimePassword!);
        var grant = await Problem(await patientClient.PostAsync($"/api/v1/patients/{patient.Id}/grants", Json("""{"granteeKind":"doctor","granteeId":"dr-n","categories":[null]}"""), Ct));
        Assert.True(grant.GetProperty("errors").TryGetProperty("categories[0]", out _));
    }
}
