using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace HealthLedger.Node.Tests;

/// <summary>Reading the API's answers in tests: a success's body, or a problem (RFC 9457) with its status checked.</summary>
internal static class ApiResponses
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Asserts a 2xx and reads its JSON body as <typeparamref name="T"/>; the failure message carries the body.</summary>
    public static async Task<T> Read<T>(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
            return (await response.Content.ReadFromJsonAsync<T>(Ct))!;
        }
    }

    /// <summary>Asserts <paramref name="status"/> with an <c>application/problem+json</c> body and returns that body.</summary>
    public static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return JsonDocument.Parse(body).RootElement.Clone();
        }
    }
}
