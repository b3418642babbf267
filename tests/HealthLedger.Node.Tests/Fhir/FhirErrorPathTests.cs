using System.Net;
using System.Net.Http.Json;
using System.Text;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Web;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static HealthLedger.Node.Tests.Fhir.FhirAsserts;
using Task = System.Threading.Tasks.Task;

namespace HealthLedger.Node.Tests.Fhir;

/// <summary>
/// Under /fhir every error is an OperationOutcome with a FHIR media type, whichever step of the pipeline answers it: body
/// limits, unreadable bodies, unknown paths, admission control, idempotency keys, the exception handler. Every body validated.
/// </summary>
public class FhirErrorPathTests
{
    [Fact]
    public async Task Body_limits_bad_bodies_unknown_paths_and_bad_headers_are_operation_outcomes()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);

        // A body over the interaction's cap: 413, not the site's page nor a problem document; nothing was read or written.
        using (var huge = new StringContent("name=" + new string('a', 1100 * 1024), Encoding.UTF8, "application/x-www-form-urlencoded"))
        {
            var tooLarge = await Fhir<OperationOutcome>(await admin.PostAsync("/fhir/R4/Patient/_search", huge, Ct), HttpStatusCode.RequestEntityTooLarge);
            Assert.Equal(OperationOutcome.IssueType.TooCostly, tooLarge.Issue.Single().Code);
            Assert.Contains("too large", tooLarge.Issue.Single().Diagnostics, StringComparison.Ordinal);
        }
        // Asked for XML first by quality, an error the pipeline writes (the 413) is XML, as the endpoint's own answer would be
        // (it was JSON: Accept was searched for the text "json").
        using (var huge = new StringContent("name=" + new string('a', 1100 * 1024), Encoding.UTF8, "application/x-www-form-urlencoded"))
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/R4/Patient/_search") { Content = huge })
        {
            request.Headers.Accept.ParseAdd("application/fhir+xml, application/fhir+json;q=0.5");
            using var xml = await admin.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, xml.StatusCode);
            Assert.Equal("application/fhir+xml", xml.Content.Headers.ContentType?.MediaType);
        }
        // Malformed JSON to a writable type: 400 naming the body; to a read-only type: 405 before the body is read.
        using (var malformed = new StringContent("{\"resourceType\": \"Patient\", ", Encoding.UTF8, "application/fhir+json"))
        {
            await Fhir<OperationOutcome>(await admin.PostAsync("/fhir/R4/Patient", malformed, Ct), HttpStatusCode.BadRequest);
        }
        using (var malformed = new StringContent("{\"resourceType\": \"Practitioner\", ", Encoding.UTF8, "application/fhir+json"))
        {
            await Fhir<OperationOutcome>(await admin.PostAsync("/fhir/R4/Practitioner", malformed, Ct), HttpStatusCode.MethodNotAllowed);
        }
        using (var json = new StringContent("{}", Encoding.UTF8, "application/json"))
        {
            var notForm = await Fhir<OperationOutcome>(await admin.PostAsync("/fhir/R4/Patient/_search", json, Ct), HttpStatusCode.BadRequest);
            Assert.Equal(OperationOutcome.IssueType.Invalid, notForm.Issue.Single().Code);
        }
        // Search forms that cannot be read: multipart without a boundary or cut short, and a form of more fields than the
        // form reader takes. Each a 400 OperationOutcome naming what is wrong (each was a 500).
        foreach (var (body, mediaType) in new[]
        {
            ("--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nKit", "multipart/form-data"),
            ("--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nKit", "multipart/form-data; boundary=x"),
            (string.Join('&', Enumerable.Range(0, 1100).Select(i => $"f{i}=1")), "application/x-www-form-urlencoded"),
        })
        {
            using var content = new StringContent(body, Encoding.UTF8);
            content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(mediaType);
            var unreadable = await Fhir<OperationOutcome>(await admin.PostAsync("/fhir/R4/Patient/_search", content, Ct), HttpStatusCode.BadRequest);
            Assert.Equal(OperationOutcome.IssueType.Invalid, unreadable.Issue.Single().Code);
            Assert.Contains("form", unreadable.Issue.Single().Diagnostics, StringComparison.Ordinal);
            // The form reader's limit in the node's words, as a page's form is told (FormLimits), not the framework's message.
            if (mediaType.StartsWith("application/", StringComparison.Ordinal))
            {
                Assert.Equal("The form has more fields than this search takes (1,024). Nothing was changed.", unreadable.Issue.Single().Diagnostics);
            }
        }
        var badFormat = await Fhir<OperationOutcome>(await admin.GetAsync("/fhir/R4/Patient?_format=text/csv", Ct), HttpStatusCode.NotAcceptable);
        Assert.Equal(OperationOutcome.IssueType.NotSupported, badFormat.Issue.Single().Code);
        // A resource's address asked with a method it does not take: 405 naming the ones it does (it was 404 not-supported).
        foreach (var method in new[] { HttpMethod.Patch, HttpMethod.Delete })
        {
            using var wrongMethod = await admin.SendAsync(new HttpRequestMessage(method, "/fhir/R4/Patient/pat-1"), Ct);
            var allow = wrongMethod.Content.Headers.Allow.Order(StringComparer.Ordinal).ToList();
            var outcome = await Fhir<OperationOutcome>(wrongMethod, HttpStatusCode.MethodNotAllowed);
            Assert.Equal(OperationOutcome.IssueType.NotSupported, outcome.Issue.Single().Code);
            Assert.Equal(["GET", "HEAD", "PUT"], allow);
        }
        // Allow names only what the address takes (RFC 9110 §15.5.6): a read-only type's create and update and every other
        // method on it, and the capability statement, were answered without Allow or with methods that then failed.
        foreach (var (method, path, expected) in new (HttpMethod, string, string[])[]
        {
            (HttpMethod.Post, "/fhir/R4/AuditEvent", ["GET", "HEAD"]),
            (HttpMethod.Put, "/fhir/R4/Consent/x", ["GET", "HEAD"]),
            (HttpMethod.Delete, "/fhir/R4/AuditEvent/x", ["GET", "HEAD"]),
            (HttpMethod.Delete, "/fhir/R4/Practitioner", ["GET", "HEAD"]),
            (HttpMethod.Delete, "/fhir/R4/metadata", ["GET", "HEAD"]),
            // A POST there is not a create of a type 'metadata' or '$export' (it was 404 "Resource type … not supported").
            (HttpMethod.Post, "/fhir/R4/metadata", ["GET", "HEAD"]),
            (HttpMethod.Post, "/fhir/R4/$export", ["GET"]),
            // An append-only type's resources take no update; '{type}/_search' is no resource to update.
            (HttpMethod.Delete, "/fhir/R4/Encounter/en-x", ["GET", "HEAD"]),
            // Their update itself too (it was 422 with the same issue twice).
            (HttpMethod.Put, "/fhir/R4/Encounter/en-x", ["GET", "HEAD"]),
            (HttpMethod.Put, "/fhir/R4/Observation/obs-x", ["GET", "HEAD"]),
            (HttpMethod.Delete, "/fhir/R4/Patient/_search", ["GET", "HEAD", "POST"]),
            // The export's kick-off takes no HEAD (it would start an export nobody collects): GET alone.
            (HttpMethod.Delete, "/fhir/R4/$export", ["GET"]),
            (HttpMethod.Head, "/fhir/R4/$export", ["GET"]),
        })
        {
            using var request = new HttpRequestMessage(method, path);
            if (method != HttpMethod.Delete && method != HttpMethod.Head) request.Content = new StringContent("{\"resourceType\":\"AuditEvent\"}", Encoding.UTF8, "application/fhir+json");
            using var refused = await admin.SendAsync(request, Ct);
            var allow = refused.Content.Headers.Allow.Order(StringComparer.Ordinal).ToList();
            if (method == HttpMethod.Head) Assert.Equal(HttpStatusCode.MethodNotAllowed, refused.StatusCode); // no content to read
            else await Fhir<OperationOutcome>(refused, HttpStatusCode.MethodNotAllowed);
            Assert.True(expected.SequenceEqual(allow), $"{method} {path}: Allow {string.Join(", ", allow)}");
        }
        // An unknown type is not a known address with another method: 404 not-supported, as its GET is.
        using (var unknown = await admin.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/fhir/R4/Nope/x"), Ct))
        {
            Assert.Empty(unknown.Content.Headers.Allow);
            Assert.Equal(OperationOutcome.IssueType.NotSupported, (await Fhir<OperationOutcome>(unknown, HttpStatusCode.NotFound)).Issue.Single().Code);
        }
        await Fhir<OperationOutcome>(await admin.GetAsync("/fhir/R4/Patient/pat-1/_history/1/extra", Ct), HttpStatusCode.NotFound);
        // Outside the R4 base no endpoint matches: the empty 404 is answered in FHIR's terms too, in XML when asked for.
        await Fhir<OperationOutcome>(await admin.GetAsync("/fhir/R5/metadata", Ct), HttpStatusCode.NotFound);
        await Fhir<OperationOutcome>(await admin.GetAsync("/fhir/R5/metadata?_format=xml", Ct), HttpStatusCode.NotFound);
        // A malformed idempotency key on a FHIR POST.
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/R4/Patient/_search") { Content = new FormUrlEncodedContent([]) })
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', 500));
            var badKey = await Fhir<OperationOutcome>(await admin.SendAsync(request, Ct), HttpStatusCode.BadRequest);
            Assert.Equal(IdempotencyKeys.Header, badKey.Issue.Single().Expression.Single());
        }
        // A cookie session with a one-time password is not sent to the password page: the bearer rule answers (401 here, no token).
        var doctor = await Created(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-otp", name = "Otto Pass", specialty = "Medicine", department = "Ward", licenceNumber = "L-3" }, Ct));
        var browser = await node.CookieLoginAsync("dr-otp", doctor.OneTimePassword!);
        await Fhir<OperationOutcome>(await browser.GetAsync("/fhir/R4/Patient", Ct), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_request_refused_by_admission_control_is_a_503_operation_outcome_with_retry_after()
    {
        await using var node = await NodeFixture.StartAsync(configure: o => o with { Admission = new AdmissionLimits { Reads = 1, RetryAfterSeconds = 3, TargetLatencyMs = 0 } });
        var limiter = node.App.Services.GetRequiredService<AdmissionLimiter>();
        var busy = new DefaultHttpContext();
        busy.Request.Method = "GET";
        busy.Request.Path = "/fhir/R4/Patient";
        using (var held = limiter.AttemptAcquire(busy))
        {
            Assert.True(held.IsAcquired);
            using var response = await node.Http.GetAsync("/fhir/R4/metadata", Ct);
            Assert.Equal("3", response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var outcome = await Fhir<OperationOutcome>(response, HttpStatusCode.ServiceUnavailable);
            Assert.Equal(OperationOutcome.IssueType.Transient, outcome.Issue.Single().Code);
            Assert.Contains("nothing was done or saved", outcome.Issue.Single().Diagnostics, StringComparison.Ordinal);
        }
        await Fhir<CapabilityStatement>(await node.Http.GetAsync("/fhir/R4/metadata", Ct), HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_unexpected_failure_under_fhir_is_a_500_operation_outcome_without_the_exceptions_words()
    {
        var http = new DefaultHttpContext();
        http.Request.Path = "/fhir/R4/Patient/pt-1";
        http.Request.QueryString = new QueryString("?_format=xml");
        http.Response.Body = new MemoryStream();
        http.Response.StatusCode = StatusCodes.Status500InternalServerError;
        http.Features.Set<IExceptionHandlerFeature>(new ExceptionHandlerFeature { Error = new InvalidOperationException("secret detail of Jane Roe") });
        await ErrorPages.HandleException(http);
        Assert.Equal(500, http.Response.StatusCode);
        Assert.Equal(FhirErrors.XmlContentType, http.Response.ContentType);
        var body = Encoding.UTF8.GetString(((MemoryStream)http.Response.Body).ToArray());
        Assert.DoesNotContain("Jane", body, StringComparison.Ordinal);
        var outcome = Assert.IsType<OperationOutcome>(HealthLedger.Testing.FhirValidation.AssertValidXml(body));
        Assert.Equal((OperationOutcome.IssueSeverity.Fatal, OperationOutcome.IssueType.Exception), (outcome.Issue.Single().Severity, outcome.Issue.Single().Code));

        // The rate limiter's and the authentication challenge's words go the same way (status, issue type, a FHIR media type).
        foreach (var (status, code) in new[] { (429, OperationOutcome.IssueType.Throttled), (401, OperationOutcome.IssueType.Login), (415, OperationOutcome.IssueType.NotSupported) })
        {
            var context = new DefaultHttpContext();
            context.Request.Path = "/fhir/R4/Encounter";
            context.Response.Body = new MemoryStream();
            await FhirErrors.WriteAsync(context, status);
            Assert.Equal((status, FhirErrors.JsonContentType), (context.Response.StatusCode, context.Response.ContentType));
            var written = Assert.IsType<OperationOutcome>(HealthLedger.Testing.FhirValidation.AssertValidJson(Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray())));
            Assert.Equal(code, written.Issue.Single().Code);
        }
        Assert.False(FhirErrors.IsFhir(new DefaultHttpContext { Request = { Path = "/fhirish" } }.Request));
    }
}
