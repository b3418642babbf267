using System.Net;
using System.Net.Http.Json;
using System.Text;
using HealthLedger.Node.Web;
using HealthLedger.Testing;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Task = System.Threading.Tasks.Task;

namespace HealthLedger.Node.Tests.Fhir;

/// <summary>What the FHIR tests share: reading a response as a validated FHIR resource, FHIR request bodies, and JSON API writes that must succeed.</summary>
internal static class FhirAsserts
{
    /// <summary>The running test's cancellation token.</summary>
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The body as a resource of type <typeparamref name="T"/>, after checking the status and the FHIR media type; every resource in it validated against the R4 base profiles.</summary>
    public static async Task<T> Fhir<T>(HttpResponseMessage response, HttpStatusCode status) where T : Resource
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == status, $"{response.StatusCode}: {body}");
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            Assert.True(mediaType is "application/fhir+json" or "application/fhir+xml", $"media type {mediaType}: {body}");
            var resource = mediaType == "application/fhir+xml" ? FhirValidation.AssertValidXml(body) : FhirValidation.AssertValidJson(body);
            return Assert.IsAssignableFrom<T>(resource);
        }
    }

    /// <summary>A resource as a FHIR JSON request body.</summary>
    public static StringContent Body(Resource resource) => new(resource.ToJson(), Encoding.UTF8, "application/fhir+json");

    /// <summary>A 201 of the JSON API, read as <typeparamref name="T"/>.</summary>
    public static async Task<T> Created<T>(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
            return (await response.Content.ReadFromJsonAsync<T>(Ct))!;
        }
    }

    /// <summary>A 201 of the JSON API as a <see cref="WriteResponse"/>.</summary>
    public static Task<WriteResponse> Created(HttpResponseMessage response) => Created<WriteResponse>(response);

    /// <summary>GET <c>/fhir/R4/{query}</c>: a 200 searchset Bundle, validated (R4 base profiles).</summary>
    public static async Task<Bundle> SearchAsync(HttpClient api, string query) => await Fhir<Bundle>(await api.GetAsync("/fhir/R4/" + query, Ct), HttpStatusCode.OK);

    /// <summary>The resources of a searchset's entries with search mode <paramref name="mode"/>.</summary>
    public static List<Resource> Entries(Bundle bundle, Bundle.SearchEntryMode mode = Bundle.SearchEntryMode.Match) =>
        bundle.Entry.Where(e => e.Search?.Mode == mode).Select(e => e.Resource!).ToList();
}
