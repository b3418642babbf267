using System.Net;
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
}
