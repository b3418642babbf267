using System.Net;
using System.Net.Http.Json;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Api;

/// <summary>
/// A literal address asked with a method it does not take is 405 naming what it takes, also where a route with a parameter in
/// its place takes that method (<see cref="ShadowedAddresses"/>): a GET of <c>/api/v1/transactions/batch</c> was the GET of a
/// transaction "batch" (400), a GET of <c>/api/v1/verify/file</c> a lookup of a transaction "file" (404).
/// </summary>
public class ShadowedAddressTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_post_only_address_beside_a_get_by_id_is_405_naming_post()
    {
        await using var node = await NodeFixture.StartAsync();
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);

        foreach (var path in new[] { "/api/v1/transactions/batch", "/api/v1/verify/file" })
        {
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
            {
                using var refused = await admin.SendAsync(new HttpRequestMessage(method, path), Ct);
                Assert.True(refused.StatusCode == HttpStatusCode.MethodNotAllowed, $"{method} {path}: {(int)refused.StatusCode}");
                Assert.Equal(["POST"], refused.Content.Headers.Allow);
                if (method == HttpMethod.Get)
                {
                    Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
                    Assert.Contains("405", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
                }
            }
        }
        // Routing's own 405 there (a method no route of the address takes) names the literal address's methods too: it named
        // GET and HEAD, which the parameter route takes and the literal address then refused.
        foreach (var (method, path, allow) in new[]
        {
            (HttpMethod.Put, "/api/v1/transactions/batch", "POST"),
            (HttpMethod.Delete, "/api/v1/verify/file", "POST"),
            (HttpMethod.Delete, "/api/v1/doctors/on-call", "GET, HEAD"),
            (HttpMethod.Patch, "/api/v1/emergencies/patients", "GET, HEAD"),
        })
        {
            using var request = new HttpRequestMessage(method, path) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
            using var refused = await admin.SendAsync(request, Ct);
            Assert.True(refused.StatusCode == HttpStatusCode.MethodNotAllowed, $"{method} {path}: {(int)refused.StatusCode}");
            Assert.Equal(allow, string.Join(", ", refused.Content.Headers.Allow));
        }
        // The parameter route still answers its own addresses: an unknown transaction id is 400 or 404 as before, not 405.
        using var byId = await admin.GetAsync("/api/v1/transactions/" + new string('0', 64), Ct);
        Assert.Equal(HttpStatusCode.NotFound, byId.StatusCode);
    }

    [Fact]
    public async Task Every_literal_address_a_parameter_route_could_answer_is_405_for_the_methods_it_does_not_take()
    {
        await using var node = await NodeFixture.StartAsync();
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var source = node.App.Services.GetRequiredService<EndpointDataSource>();

        var pairs = ShadowedAddresses.PairsOf(source).ToList();
        Assert.Contains(pairs, p => p.Literal.RoutePattern.RawText!.EndsWith("transactions/batch", StringComparison.Ordinal));
        var tried = 0;
        foreach (var (route, literal) in pairs)
        {
            var literalMethods = literal.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods;
            // Only where some route of the same address takes the method does routing answer it (otherwise its own 405 does).
            var method = (route.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [HttpMethods.Get])
                .FirstOrDefault(m => !literalMethods.Contains(m, StringComparer.OrdinalIgnoreCase)
                    && !source.Endpoints.OfType<RouteEndpoint>().Any(e => e.RoutePattern.RawText == literal.RoutePattern.RawText
                        && e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(m, StringComparer.OrdinalIgnoreCase) == true));
            if (method is null) continue;
            var path = "/" + string.Join("/", literal.RoutePattern.PathSegments.Select(s => s.Parts[0] switch
            {
                RoutePatternLiteralPart l => l.Content,
                _ => "x-1",
            }));
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method is "POST" or "PUT" or "PATCH") request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            using var answer = await admin.SendAsync(request, Ct);
            Assert.True(answer.StatusCode == HttpStatusCode.MethodNotAllowed, $"{method} {path} (beside {route.RoutePattern.RawText}): {(int)answer.StatusCode}");
            Assert.NotEmpty(answer.Content.Headers.Allow);
            tried++;
        }
        Assert.True(tried >= 2, $"{tried} addresses tried");
    }

    [Fact]
    public async Task No_doctor_or_emergency_takes_an_id_that_names_an_address_beside_theirs()
    {
        await using var node = await NodeFixture.StartAsync();
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var source = node.App.Services.GetRequiredService<EndpointDataSource>();

        // Every word beside /doctors/{id} or /emergencies/{id} (API) is a reserved id: a doctor 'on-call' could be neither read
        // nor changed through the API (a helper registered one: 201, then PUT /api/v1/doctors/on-call was 405).
        foreach (var (_, literal) in ShadowedAddresses.PairsOf(source))
        {
            var raw = literal.RoutePattern.RawText!;
            var word = raw[(raw.LastIndexOf('/') + 1)..];
            if (raw == "/api/v1/doctors/" + word) Assert.Contains(word, HealthLedger.Node.Doctors.DoctorInput.ReservedIds);
            if (raw == "/api/v1/emergencies/" + word) Assert.Contains(word, HealthLedger.Node.Emergencies.EmergencyInput.ReservedIds);
        }
        foreach (var id in HealthLedger.Node.Doctors.DoctorInput.ReservedIds)
        {
            using var refused = await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = id, name = "Reserved Word", specialty = "Medicine", department = "Ward", licenceNumber = "L-77" }, Ct);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("doctorId", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
        Assert.DoesNotContain("Reserved Word", await admin.GetStringAsync("/api/v1/doctors", Ct), StringComparison.Ordinal);
        foreach (var id in HealthLedger.Node.Emergencies.EmergencyInput.ReservedIds)
        {
            var (action, errors) = new HealthLedger.Node.Emergencies.EmergencyInput { Id = id, Title = "Flood" }.Validate(DateTimeOffset.UtcNow, "em-1");
            Assert.Null(action);
            Assert.Contains("id", errors.ToDictionary().Keys);
        }
    }
}
