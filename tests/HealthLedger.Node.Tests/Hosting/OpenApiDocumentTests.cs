using System.Text.Json.Nodes;

namespace HealthLedger.Node.Tests.Hosting;

/// <summary>
/// Issue 12 item 22: the OpenAPI document says how to authenticate, names its server without a trailing slash, gives
/// every operation a success response (files and PDFs included) and describes the multipart report upload part by part.
/// The document is also linted by an independent linter (Redocly CLI; see docs/api.md).
/// </summary>
public class OpenApiDocumentTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonNode> DocumentAsync(NodeFixture node)
    {
        var text = await node.Http.GetStringAsync("/openapi/v1.json", Ct);
        if (Environment.GetEnvironmentVariable("HEALTHLEDGER_OPENAPI_OUT") is { Length: > 0 } path) await File.WriteAllTextAsync(path, text, Ct);
        return JsonNode.Parse(text)!;
    }

    private static IEnumerable<(string Path, string Method, JsonObject Operation)> Operations(JsonNode document) =>
        document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject()
            .Where(m => m.Key is "get" or "post" or "put" or "patch" or "delete")
            .Select(m => (p.Key, m.Key, m.Value!.AsObject())));

    [Fact]
    public async Task The_document_declares_bearer_security_and_a_server_without_a_trailing_slash()
    {
        await using var node = await NodeFixture.StartAsync();
        var document = await DocumentAsync(node);
        var bearer = document["components"]?["securitySchemes"]?["bearer"];
        Assert.NotNull(bearer);
        Assert.Equal(("http", "bearer"), (bearer!["type"]!.GetValue<string>(), bearer["scheme"]!.GetValue<string>()));
        var servers = document["servers"]!.AsArray();
        Assert.NotEmpty(servers);
        Assert.All(servers, s => Assert.False(s!["url"]!.GetValue<string>().EndsWith('/'), s["url"]!.GetValue<string>()));

        var operations = Operations(document).ToList();
        // Operations behind a session name the scheme; the public ones (health, login, printed codes, raw transactions) do not.
        Assert.Contains(operations, o => o.Path == "/api/v1/patients" && o.Method == "get" && o.Operation["security"] is JsonArray { Count: > 0 });
        Assert.Contains(operations, o => o.Path == "/healthz" && o.Operation["security"] is null or JsonArray { Count: 0 });
        Assert.Contains(operations, o => o.Path == "/api/v1/auth/token" && o.Operation["security"] is null or JsonArray { Count: 0 });
    }

    [Fact]
    public async Task Every_operation_has_a_success_response_and_files_say_their_media_type()
    {
        await using var node = await NodeFixture.StartAsync();
        var document = await DocumentAsync(node);
        var missing = Operations(document)
            .Where(o => o.Operation["responses"] is not JsonObject responses || !responses.Any(r => r.Key.StartsWith('2')))
            .Select(o => $"{o.Method.ToUpperInvariant()} {o.Path}").ToList();
        Assert.True(missing.Count == 0, "no 2xx response: " + string.Join(", ", missing));

        var pdf = Operations(document).Single(o => o.Path == "/api/v1/reports/{reportId}/pdf");
        Assert.NotNull(pdf.Operation["responses"]!["200"]!["content"]!["application/pdf"]);
        var upload = Operations(document).Single(o => o.Path == "/api/v1/patients/{patientId}/reports" && o.Method == "post");
        var schema = upload.Operation["requestBody"]!["content"]!["multipart/form-data"]!["schema"]!;
        Assert.NotNull(schema["properties"]!["metadata"]);
        Assert.Equal("binary", schema["properties"]!["file"]!["format"]!.GetValue<string>());
    }
}
