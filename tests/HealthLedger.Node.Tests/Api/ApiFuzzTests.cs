using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HealthLedger.Node.Chain;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Web;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Api;

/// <summary>
/// A property-based request fuzzer over the node's own OpenAPI document: every operation is called as each role with
/// generated valid and invalid path values, query values and bodies (wrong types, nulls, impossible dates, huge and
/// hostile text, broken JSON, wrong media types). Properties: no answer is a 5xx; every 4xx is an RFC 9457 problem and
/// every 400 names its fields in <c>errors</c>; a refused write adds no transaction to the chain (disclosure batches
/// aside). The seed is printed; set HEALTHLEDGER_FUZZ_SEED to replay, HEALTHLEDGER_FUZZ_ROUNDS for a longer run.
/// </summary>
public class ApiFuzzTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Hostile = ["", " ", "x", "\u0000", "\u202Eevil", "é\u200B", "<script>alert(1)</script>", "'; DROP TABLE state; --", "../../etc/passwd", new string('a', 5000), "%00", "{}", "null", "-1", "1e309", "NaN"];

    [Fact]
    public async Task Every_operation_answers_generated_requests_without_a_server_error_and_with_field_errors()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("HEALTHLEDGER_FUZZ_SEED"), out var s) ? s : 20261130;
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("HEALTHLEDGER_FUZZ_ROUNDS"), out var r) ? r : 8;
        TestContext.Current.SendDiagnosticMessage($"API fuzz seed {seed}, {rounds} rounds (replay: HEALTHLEDGER_FUZZ_SEED={seed} dotnet test --project tests/HealthLedger.Node.Tests --filter-class \"*ApiFuzzTests\")");
        var random = new Random(seed);

        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var doctor = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-fuzz", name = "Fay Fuzz", specialty = "Medicine", department = "Ward", licenceNumber = "L1" }, Ct));
        var patient = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-F1", fullName = "Pat Fuzz", dateOfBirth = "1970-01-01", gender = "male" }, Ct));
        (await admin.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/entries", new { type = "admission", occurredAt = "2026-01-02T10:00", doctorId = "dr-fuzz", ward = "W", bed = "1", reason = "Fever" }, Ct)).EnsureSuccessStatusCode();
        var roles = new (string Name, HttpClient Client)[]
        {
            ("admin", admin),
            ("doctor", await node.FirstLoginAsync("dr-fuzz", doctor.OneTimePassword!)),
            ("patient", await node.FirstLoginAsync(patient.Id, patient.OneTimePassword!)),
            ("anonymous", new HttpClient { BaseAddress = node.Http.BaseAddress }),
        };
        var ids = new[] { patient.Id, "dr-fuzz", "admin", "pt-nobody", "rp-nobody", "gr-nobody", "0", "1", "abc", "%2e%2e", new string('z', 300) };

        var document = JsonNode.Parse(await node.Http.GetStringAsync("/openapi/v1.json", Ct))!;
        var operations = Operations(document).ToList();
        Assert.True(operations.Count >= 40, $"the OpenAPI document lists only {operations.Count} operations");
        var ledger = node.App.Services.GetRequiredService<LedgerNode>();
        var blocks = node.App.Services.GetRequiredService<LedgerBrowser>();
        var failures = new List<string>();
        var requests = 0;
        var statuses = new Dictionary<int, int>();

        for (var round = 0; round < rounds; round++)
        {
            foreach (var (method, template, operation) in operations)
            {
                if (template.StartsWith("/api/v1/auth/", StringComparison.Ordinal) && !template.EndsWith("/token", StringComparison.Ordinal)) continue; // would end or change the fuzzing sessions
                foreach (var (role, client) in roles)
                {
                    var path = FillPath(template, operation, ids, random);
                    if (template.EndsWith("/password-reset", StringComparison.Ordinal) && (path.Contains(patient.Id, StringComparison.Ordinal) || path.Contains("dr-fuzz", StringComparison.Ordinal))) continue; // would end a fuzzing session
                    using var request = new HttpRequestMessage(new HttpMethod(method), path + Query(operation, random));
                    var body = Body(document, operation, random, out var content);
                    request.Content = content;
                    if (client.DefaultRequestHeaders.Authorization is { } auth) request.Headers.Authorization = auth;
                    var before = ledger.Tip.Height;
                    using var response = await node.Http.SendAsync(request, Ct);
                    requests++;
                    statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
                    var text = await response.Content.ReadAsStringAsync(Ct);
                    var what = $"{method} {path} as {role} with {Shorten(body)} → {(int)response.StatusCode}";
                    if (Environment.GetEnvironmentVariable("HEALTHLEDGER_FUZZ_LOG") is { Length: > 0 } trace) await File.AppendAllTextAsync(trace + ".trace", $"{method} {path} as {role} {Shorten(body)} → {(int)response.StatusCode} {Shorten(text)}\n", Ct);
                    // Kestrel itself refuses a NUL in the request path (an empty 400, before the application runs).
                    if (response.StatusCode == HttpStatusCode.BadRequest && path.Contains("%00", StringComparison.Ordinal) && text.Length == 0) continue;
                    // Kestrel also refuses a request line over its limit (8 KB) with an empty 414, before the application runs.
                    if (response.StatusCode == HttpStatusCode.RequestUriTooLong && text.Length == 0) continue;
                    if ((int)response.StatusCode >= 500) failures.Add($"{what}: server error {Shorten(text)}");
                    else if ((int)response.StatusCode >= 400)
                    {
                        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json") failures.Add($"{what}: not a problem document ({response.Content.Headers.ContentType})");
                        else if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType && !HasFieldErrors(text)) failures.Add($"{what}: {(int)response.StatusCode} without field errors {Shorten(text)}");
                        if (method != "GET")
                        {
                            for (var h = before + 1; h <= ledger.Tip.Height; h++)
                            {
                                if (blocks.Block(h)?.Transactions.FirstOrDefault(t => t.Kind != "RecordDisclosures") is { } tx) failures.Add($"{what}: refused, but block {h} holds a {tx.Kind} ({tx.Outcome})");
                            }
                        }
                    }
                    if (failures.Count > 40) break;
                }
            }
        }
        TestContext.Current.SendDiagnosticMessage($"API fuzz: {requests} requests over {operations.Count} operations, {failures.Count} failures");
        if (Environment.GetEnvironmentVariable("HEALTHLEDGER_FUZZ_LOG") is { Length: > 0 } log) await File.WriteAllTextAsync(log, $"{requests} requests, {operations.Count} operations, statuses: {string.Join(", ", statuses.OrderBy(k => k.Key).Select(k => $"{k.Key}×{k.Value}"))}\n", Ct);
        Assert.True(failures.Count == 0, $"seed {seed}: {failures.Count} failing requests:\n" + string.Join("\n", failures.Take(40)));
    }

    private static IEnumerable<(string Method, string Path, JsonNode Operation)> Operations(JsonNode document)
    {
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                if (method is "get" or "post" or "put" or "delete" or "patch") yield return (method.ToUpperInvariant(), path, operation!);
            }
        }
    }

    private static string FillPath(string template, JsonNode operation, string[] ids, Random random)
    {
        var path = template;
        foreach (var p in (operation["parameters"]?.AsArray() ?? []).Where(p => (string?)p!["in"] == "path"))
        {
            var name = (string)p!["name"]!;
            var value = random.Next(4) switch { 0 => Hostile[random.Next(Hostile.Length)], 1 => ids[random.Next(ids.Length)], _ => ids[0] };
            path = path.Replace("{" + name + "}", Uri.EscapeDataString(value.Length == 0 ? "x" : value), StringComparison.Ordinal);
        }
        return path;
    }

    private static string Query(JsonNode operation, Random random)
    {
        var parts = new List<string>();
        foreach (var p in (operation["parameters"]?.AsArray() ?? []).Where(p => (string?)p!["in"] == "query"))
        {
            if (random.Next(3) == 0) continue;
            var value = random.Next(3) == 0 ? Hostile[random.Next(Hostile.Length)] : Sample(p!["schema"], random)?.ToJsonString().Trim('"') ?? "";
            parts.Add($"{Uri.EscapeDataString((string)p!["name"]!)}={Uri.EscapeDataString(value)}");
        }
        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }

    private static string Body(JsonNode document, JsonNode operation, Random random, out HttpContent? content)
    {
        content = null;
        var media = operation["requestBody"]?["content"]?.AsObject();
        if (media is null) return "no body";
        if (media.ContainsKey("multipart/form-data"))
        {
            var form = new MultipartFormDataContent();
            var metadata = random.Next(3) == 0 ? Hostile[random.Next(Hostile.Length)] : Mutate(new JsonObject
            {
                ["type"] = random.Next(2) == 0 ? "lab" : "prescription",
                ["title"] = "t",
                ["labResults"] = new JsonArray(random.Next(2) == 0 ? null : new JsonObject { ["test"] = "Hb", ["value"] = null, ["unit"] = null }),
            }, random).ToJsonString();
            if (random.Next(4) != 0) form.Add(new StringContent(metadata), "metadata");
            if (random.Next(2) == 0)
            {
                var file = new ByteArrayContent(random.Next(2) == 0 ? "%PDF-1.4 x"u8.ToArray() : Encoding.UTF8.GetBytes(Hostile[random.Next(Hostile.Length)]));
                file.Headers.ContentType = new MediaTypeHeaderValue(random.Next(2) == 0 ? "application/pdf" : "application/x-msdownload");
                form.Add(file, "file", "f.pdf");
            }
            content = form;
            return "multipart " + Shorten(metadata);
        }
        if (media.ContainsKey("application/octet-stream"))
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            content = new ByteArrayContent(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } };
            return $"{bytes.Length} random bytes";
        }
        var schema = Resolve(document, media.First().Value?["schema"]);
        string text = random.Next(8) switch
        {
            0 => Hostile[random.Next(Hostile.Length)],
            1 => "[]",
            2 => "{\"unclosed\": ",
            3 or 4 or 5 => (Sample(schema, random, document) ?? new JsonObject()).ToJsonString(),
            _ => Mutate(Sample(schema, random, document) ?? new JsonObject(), random).ToJsonString(),
        };
        content = new StringContent(text, Encoding.UTF8, random.Next(12) == 0 ? "text/plain" : "application/json");
        return text;
    }

    private static JsonNode? Resolve(JsonNode document, JsonNode? schema)
    {
        for (var i = 0; i < 5 && schema?["$ref"] is { } reference; i++)
        {
            var name = ((string)reference!).Split('/')[^1];
            schema = document["components"]?["schemas"]?[name];
        }
        return schema;
    }

    /// <summary>A plausible value for a schema (an object with every property, recursively).</summary>
    private static JsonNode? Sample(JsonNode? schema, Random random, JsonNode? document = null, int depth = 0)
    {
        if (document is not null) schema = Resolve(document, schema);
        if (schema is null || depth > 4) return null;
        var type = schema["type"] is JsonArray types ? (string?)types.FirstOrDefault(t => (string?)t != "null") : (string?)schema["type"];
        var format = (string?)schema["format"];
        return type switch
        {
            "object" => new JsonObject((schema["properties"]?.AsObject() ?? [])
                .Select(p => KeyValuePair.Create(p.Key, Known(p.Key, random) ?? Sample(p.Value, random, document, depth + 1)))),
            "array" => new JsonArray(Sample(schema["items"], random, document, depth + 1)),
            "integer" => random.Next(0, 200),
            "number" => Math.Round(random.NextDouble() * 200, 2),
            "boolean" => random.Next(2) == 0,
            "string" when format == "date" => "2026-01-0" + random.Next(1, 9),
            "string" when format == "date-time" => "2026-01-02T10:00:00Z",
            "string" => "x" + random.Next(1000),
            _ => "x",
        };
    }

    /// <summary>A valid value for the API's known field names, so that generated requests also succeed; null for others.</summary>
    private static JsonNode? Known(string name, Random random) => name switch
    {
        "mrn" => "MRN-G" + random.Next(100_000),
        "fullName" or "name" => "Gen Example",
        "dateOfBirth" => "1980-05-0" + random.Next(1, 9),
        "gender" => random.Next(2) == 0 ? "female" : "male",
        "phone" => "+44 20 7946 0000",
        "email" => "gen@example.org",
        "doctorId" => random.Next(2) == 0 ? "dr-fuzz" : "dr-gen" + random.Next(100_000),
        "specialty" or "department" or "qualification" or "licenceNumber" => "Medicine",
        "bloodGroup" => "O+",
        "conditions" => new JsonArray("Asthma"),
        "type" => new[] { "admission", "visit", "transfer", "discharge", "lab" }[random.Next(5)],
        "occurredAt" or "takenAt" => "2026-01-02T10:00:00Z",
        "ward" => "W",
        "bed" => random.Next(1, 50).ToString(System.Globalization.CultureInfo.InvariantCulture),
        "reason" or "notes" or "summary" or "diagnosis" or "title" => "Generated text.",
        "service" => "X-ray",
        "quantity" => 1,
        "unitPrice" or "amount" => 10,
        "method" => "cash",
        "correctsId" or "expiresAt" => null,
        "granteeKind" => "doctor",
        "granteeId" => "dr-fuzz",
        "categories" => new JsonArray(new[] { "all", "encounters", "reports", "demographics", "account" }[random.Next(5)]),
        "onCall" => random.Next(2) == 0,
        "username" => "nobody",
        "password" => "not-the-password",
        "heartRate" => 80,
        "temperatureCelsius" => 37.2,
        "systolicMmHg" => 120,
        "diastolicMmHg" => 80,
        "respiratoryRate" => 16,
        "oxygenSaturation" => 97,
        "weightKg" => 70.5,
        _ => null,
    };

    /// <summary>Breaks some of an object's values: wrong types, nulls, impossible dates, huge and hostile text, nulls in lists.</summary>
    private static JsonNode Mutate(JsonNode node, Random random)
    {
        if (node is not JsonObject obj) return node;
        foreach (var key in obj.Select(p => p.Key).ToList())
        {
            if (random.Next(3) != 0) continue;
            obj[key] = random.Next(9) switch
            {
                0 => null,
                1 => "ten",
                2 => 12345,
                3 => "2001-02-29",
                4 => new JsonArray((JsonNode?)null),
                5 => -1e30,
                6 => new JsonObject(),
                7 => true,
                _ => Hostile[random.Next(Hostile.Length)],
            };
        }
        return obj;
    }

    private static bool HasFieldErrors(string text)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
            return json.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object && errors.EnumerateObject().Any();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Shorten(string text) => text.Length > 160 ? text[..160] + "…" : text;
}
