using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;

namespace HealthLedger.Node.Web;

/// <summary>
/// Turns request-binding failures of the API (malformed JSON, a value of the wrong type, an impossible date, a missing or
/// unsupported body, a query value that does not parse) into RFC 9457 validation problems whose <c>errors</c> name the
/// field — the answer every other bad input gets — instead of a bare 400. Needs
/// <see cref="Microsoft.AspNetCore.Routing.RouteHandlerOptions.ThrowOnBadRequest"/>, so that minimal APIs throw
/// <see cref="BadHttpRequestException"/> for this middleware to answer (without logging it as a server error). Nothing has
/// been written when binding fails.
/// </summary>
/// <para>
/// A page's form (not <c>/api</c>) gets the same refusal as a short HTML page in the app's style instead of a problem
/// document, so a browser user who picked a file over the upload limit reads what happened (nothing was stored) and can go back.
/// </para>
public sealed partial class BindingProblems(RequestDelegate next)
{
    /// <summary>Runs the rest of the pipeline and answers a binding failure with a validation problem.</summary>
    public async Task InvokeAsync(HttpContext httpContext)
    {
        // A charset no reader here decodes (unknown, empty, or UTF-7, which .NET refuses) made every body reader throw: the
        // JSON binder, the form reader, FHIR's parsers. Refused before any of them runs, as a body of the wrong media type.
        // Not for an address with no endpoint (404 stands), nor for the error page's own pass (ErrorPages re-runs the pipeline
        // with the request's headers: refused again, the page was blank).
        if (UnreadableCharset(httpContext.Request) is { } charset && !Hosting.PeerPortGate.IsPeerCall(httpContext.Request)
            && httpContext.GetEndpoint() is not null && httpContext.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodeReExecuteFeature>() is null)
        {
            var shown = charset.Length <= 40 && Records.FieldRules.ForbiddenCharacter(charset) is null ? $"'{charset}'" : "of the body";
            await WriteAsync(httpContext, new BadHttpRequestException("Unsupported charset.", StatusCodes.Status415UnsupportedMediaType),
                $"The charset {shown} is not one this node reads: send the body in UTF-8.");
            return;
        }
        try
        {
            await next(httpContext);
            // A body of the wrong media type, one over the endpoint's cap, one that did not arrive in time or could not be read
            // (a malformed chunk) is refused by the endpoint's binding without an exception (the status alone): give it the
            // same answer. A bare 400 is first checked for a query or route value that does not parse (the generator's way).
            if (httpContext.Response.HasStarted || httpContext.GetEndpoint() is null || !httpContext.Request.Path.StartsWithSegments("/api")) return;
            var status = httpContext.Response.StatusCode;
            if (status is StatusCodes.Status415UnsupportedMediaType or StatusCodes.Status413PayloadTooLarge or StatusCodes.Status408RequestTimeout)
            {
                await WriteAsync(httpContext, new BadHttpRequestException(ReasonPhrases.GetReasonPhrase(status), status));
            }
            else if (status == StatusCodes.Status400BadRequest)
            {
                if (UnparsedValue(httpContext) is { } unparsed) await WriteAsync(httpContext, unparsed);
                else await WriteAsync(httpContext, new BadHttpRequestException("Unreadable body.", StatusCodes.Status400BadRequest),
                    "The request body could not be read (a malformed or cut-short chunk). Nothing was changed.");
            }
        }
        catch (BadHttpRequestException bad) when (!httpContext.Response.HasStarted)
        {
            await WriteAsync(httpContext, bad);
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException && e.TargetSite?.DeclaringType == typeof(System.Text.Encoding) && !httpContext.Response.HasStarted)
        {
            // A charset inside the body that .NET does not decode (a multipart part of 'charset=utf-7', read by the form reader
            // for a page's antiforgery check or a FHIR search): the client's error, as the same charset on the whole body.
            await WriteAsync(httpContext, new BadHttpRequestException("Unsupported charset.", StatusCodes.Status400BadRequest),
                "A part of the body names a charset this node does not read: send it in UTF-8.");
        }
    }

    /// <summary>
    /// The <c>charset</c> of the request's Content-Type when .NET cannot decode it (unknown, empty, UTF-7); null when there is
    /// none or it decodes.
    /// </summary>
    private static string? UnreadableCharset(HttpRequest request)
    {
        if (request.ContentType is not { Length: > 0 } contentType
            || !Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
            || !mediaType.Charset.HasValue) return null;
        var charset = mediaType.Charset.Value!.Trim('"');
        try
        {
            return System.Text.Encoding.GetEncoding(charset).CodePage == 65000 ? charset : null; // 65000: UTF-7
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return charset;
        }
    }

    private async Task WriteAsync(HttpContext httpContext, BadHttpRequestException bad, string? said = null)
    {
        var (field, message) = Describe(bad);
        if (said is not null) message = said;
        else if (bad.StatusCode == StatusCodes.Status415UnsupportedMediaType && Accepted(httpContext) is { } accepted) message = $"Send the body as {accepted}.";
        httpContext.Response.StatusCode = bad.StatusCode;
        if (FhirErrors.IsFhir(httpContext.Request))
        {
            var options = httpContext.RequestServices.GetService(typeof(Configuration.NodeOptions)) as Configuration.NodeOptions;
            if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge && options is not null && RequestBodyLimits.For(httpContext, options) is { } cap)
            {
                message = RequestBodyLimits.TooLargeMessage(cap, "interaction");
            }
            await FhirErrors.WriteAsync(httpContext, bad.StatusCode, message, field is "body" or "request" ? null : field);
            return;
        }
        if (!httpContext.Request.Path.StartsWithSegments("/api"))
        {
            // ErrorPages answers (a page, or a problem for JSON clients), with the words given here (a charset it does not read);
            // otherwise with its own (a form over its cap names the page's limit).
            if (said is not null) httpContext.Items[ErrorPages.MessageKey] = said;
            return;
        }
        if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge
            && httpContext.RequestServices.GetService(typeof(Configuration.NodeOptions)) is Configuration.NodeOptions limits && RequestBodyLimits.For(httpContext, limits) is { } bodyCap)
        {
            message = RequestBodyLimits.TooLargeMessage(httpContext, limits, bodyCap, "endpoint");
        }
        var details = ErrorPages.FieldProblem(bad.StatusCode, field, message);
        // System.Text.Json stops at the first value of the wrong type: the others are named too, so that a client fixes them in one go.
        if (bad.InnerException is JsonException json && field != "body" && Duplicate().Match(json.Message) is { Success: false })
        {
            foreach (var (other, wrong) in OtherWrongTypes(httpContext).Where(e => !details.Errors.ContainsKey(e.Field)))
            {
                details.Errors[other] = [wrong];
            }
        }
        // Whatever the Accept header asks for (text/html, text/csv): a problem document, never a 500 for want of a writer.
        await ErrorPages.WriteProblemAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = details });
    }

    /// <summary>
    /// The media types the request's endpoint declares it reads (<c>multipart/form-data</c>, <c>application/octet-stream</c>),
    /// joined with "or"; null when it declares none (JSON's default). Routing refuses a body that none of the path's endpoints
    /// accepts with an endpoint of its own (no metadata), so the path's endpoints for the method are found again (<see cref="RouteMatches"/>).
    /// </summary>
    private static string? Accepted(HttpContext httpContext)
    {
        var method = httpContext.Request.Method;
        var types = new List<string>();
        foreach (var endpoint in RouteMatches.Of(httpContext))
        {
            if (endpoint.Metadata.GetMetadata<IAcceptsMetadata>() is not { } accepts) continue;
            if (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is { } methods && !methods.HttpMethods.Contains(method, StringComparer.OrdinalIgnoreCase)) continue;
            types.AddRange(accepts.ContentTypes.Where(t => t != "*/*" && !types.Contains(t, StringComparer.OrdinalIgnoreCase)));
        }
        return types.Count > 0 ? string.Join(" or ", types) : null;
    }

    /// <summary>
    /// The route or query value a bare 400 from an endpoint is about, as the binding failure ASP.NET Core would have thrown; null
    /// when every value parses (the 400 was the endpoint's own). The Request Delegate Generator (ASP.NET Core 10) answers a value
    /// that does not parse into a nullable parameter (<c>int?</c>, <c>bool?</c>, <c>DateOnly?</c>) with a bare 400 and no
    /// exception, even with <see cref="Microsoft.AspNetCore.Routing.RouteHandlerOptions.ThrowOnBadRequest"/> (it throws for a
    /// missing value and for a body that does not read): the endpoint's parameters (<see cref="IParameterBindingMetadata"/>) are
    /// parsed again here, in their order, to name the first that fails. Only a refused request pays for this.
    /// </summary>
    private static BadHttpRequestException? UnparsedValue(HttpContext httpContext)
    {
        if (httpContext.GetEndpoint() is not { } endpoint) return null;
        foreach (var parameter in endpoint.Metadata.GetOrderedMetadata<IParameterBindingMetadata>())
        {
            if (!parameter.HasTryParse) continue;
            var raw = httpContext.Request.RouteValues.TryGetValue(parameter.Name, out var routeValue) && routeValue is string route ? route
                : httpContext.Request.Query.TryGetValue(parameter.Name, out var query) ? query.ToString() : null;
            if (string.IsNullOrEmpty(raw)) continue;
            var type = Nullable.GetUnderlyingType(parameter.ParameterInfo.ParameterType) ?? parameter.ParameterInfo.ParameterType;
            if (!Parses(type, raw)) return new BadHttpRequestException($"Failed to bind parameter \"{type.Name} {parameter.Name}\" from \"{raw}\".");
        }
        return null;
    }

    /// <summary>Whether <paramref name="raw"/> parses as <paramref name="type"/> the way minimal APIs bind it (an enum by name or number, else the type's <c>TryParse</c>, invariant culture).</summary>
    private static bool Parses(Type type, string raw)
    {
        if (type.IsEnum) return Enum.TryParse(type, raw, out _);
        var withProvider = type.GetMethod("TryParse", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static, [typeof(string), typeof(IFormatProvider), type.MakeByRefType()]);
        if (withProvider is not null) return (bool)withProvider.Invoke(null, [raw, System.Globalization.CultureInfo.InvariantCulture, null])!;
        var plain = type.GetMethod("TryParse", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static, [typeof(string), type.MakeByRefType()]);
        return plain is null || (bool)plain.Invoke(null, [raw, null])!;
    }

    /// <summary>The field a binding failure is about (camelCase, as in the API's JSON; <c>body</c> for the body as a whole) and a message without .NET type names.</summary>
    public static (string Field, string Message) Describe(BadHttpRequestException exception)
    {
        if (exception.InnerException is JsonException json) return DescribeJson(json);
        var message = exception.Message;
        if (FailedToBind().Match(message) is { Success: true } m)
        {
            var name = m.Groups["name"].Value;
            var value = m.Groups["value"].Value;
            // The value is echoed only when it is short, visible text (never a control or direction-changing character).
            var shown = value.Length <= 64 && Records.FieldRules.ForbiddenCharacter(value) is null ? $"'{value}'" : "The value";
            return (name, $"{shown} is not {Expected(m.Groups["type"].Value)}.");
        }
        if (exception.StatusCode == StatusCodes.Status415UnsupportedMediaType) return ("body", "Send the body as application/json.");
        if (exception.StatusCode == StatusCodes.Status413PayloadTooLarge) return ("body", "The request body is too large.");
        if (exception.StatusCode == StatusCodes.Status408RequestTimeout) return ("body", "The request body did not arrive in time (less was sent than its Content-Length said, or too slowly). Nothing was changed.");
        // A body whose framing the server could not parse (RequestBodyLimits, BodyBeforeAdmission): said so, not "required".
        if (message.StartsWith(RequestBodyLimits.CouldNotReadPrefix, StringComparison.Ordinal)) return ("body", message.TrimEnd('.') + ". Nothing was changed.");
        if (message.Contains("body", StringComparison.OrdinalIgnoreCase)) return ("body", "A JSON body is required.");
        if (RequiredParameter().Match(message) is { Success: true } r) return (r.Groups["name"].Value, "This value is required.");
        return ("request", "The request could not be read.");
    }

    /// <summary>The field a JSON deserialisation failure is about and its message (see <see cref="Describe"/>).</summary>
    public static (string Field, string Message) DescribeJson(JsonException json)
    {
        // A value of the wrong type names its field; anything else is a syntax error of the body as a whole.
        var field = FieldOf(json.Path);
        if (Duplicate().Match(json.Message) is { Success: true } twice)
        {
            // The path names the second copy as it was spelt ("$.Ward"); the message the member as the API spells it ("ward").
            var member = twice.Groups["name"].Value;
            var parent = field.LastIndexOf('.') is var dot and >= 0 ? field[..(dot + 1)] : "";
            return (member.Length > 0 ? parent + member : field, "Given more than once: send each field once.");
        }
        if (ConvertedTo().Match(json.Message) is { Success: true } m)
        {
            // Well-formed JSON of the wrong shape: a field's value, or the body as a whole ([1,2] or "text" where an object is expected).
            return field.Length > 0 ? (field, $"Not {Expected(MemberType(m.Groups["type"].Value, field) ?? m.Groups["type"].Value)}.") : ("body", "The body must be a JSON object.");
        }
        var where = json.LineNumber is { } line ? $" (line {line + 1}, position {(json.BytePositionInLine ?? 0) + 1})" : "";
        return ("body", $"The body is not valid JSON{where}.");
    }

    /// <summary>
    /// A field of a positional record (bound through its constructor) that does not convert is reported by System.Text.Json as
    /// the record's type ("could not be converted to HealthLedger.….OnCallRequest. Path: $.onCall"): the type of the named
    /// member of that record instead ("System.Boolean"), so the message says what the field expects, not "an object". Null when
    /// the type is not one of ours or has no such member (a nested path keeps the message as it was).
    /// </summary>
    private static string? MemberType(string type, string field)
    {
        if (!type.StartsWith("HealthLedger.", StringComparison.Ordinal) || field.Contains('.', StringComparison.Ordinal) || field.Contains('[', StringComparison.Ordinal)) return null;
        var owner = typeof(BindingProblems).Assembly.GetType(type.TrimEnd('.'));
        var member = owner?.GetProperty(field, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase);
        return member?.PropertyType is { } t ? (Nullable.GetUnderlyingType(t) ?? t).FullName : null;
    }

    /// <summary>
    /// Every value of a JSON body that does not convert to its field's type, with the message <see cref="DescribeJson"/> gives
    /// (field as spelt in the body, e.g. <c>labResults[1].value</c>): after a conversion failure, the body (read whole and kept
    /// by <see cref="BodyBeforeAdmission"/>) is read again against the endpoint's body type, field by field. Empty when the body
    /// was not kept or the endpoint declares no body type. Only a refused request pays for this, and a bounded amount: at most
    /// <see cref="MaxWrongTypesNamed"/> fields named, <see cref="MaxValuesReadAgain"/> values read again.
    /// </summary>
    private static List<(string Field, string Message)> OtherWrongTypes(HttpContext httpContext)
    {
        var found = new WrongTypeSearch();
        var body = httpContext.Request.Body;
        if (!BodyBeforeAdmission.WasBuffered(httpContext) || !body.CanSeek
            || httpContext.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType is not { } type
            || httpContext.RequestServices.GetService(typeof(Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>))
                is not Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) return found.Found;
        try
        {
            body.Position = 0;
            using var document = JsonDocument.Parse(body);
            WrongTypes(document.RootElement, type, "", json.Value.SerializerOptions, found);
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            // Not readable again (or a type the serializer does not describe): the first error alone stands.
        }
        return found.Found;
    }

    /// <summary>Most fields <see cref="OtherWrongTypes"/> names (a list of 450,000 wrong items was answered with as many, 15 MB, after 4 CPU seconds).</summary>
    public const int MaxWrongTypesNamed = 20;

    /// <summary>Most values <see cref="OtherWrongTypes"/> reads again one by one: its work is bounded whatever the body holds.</summary>
    public const int MaxValuesReadAgain = 2_000;

    // What the search has found and how much it has read; it stops at either bound.
    private sealed class WrongTypeSearch
    {
        public List<(string Field, string Message)> Found { get; } = [];

        public int Read { get; set; }

        public bool Done => Found.Count >= MaxWrongTypesNamed || Read >= MaxValuesReadAgain;
    }

    // Adds each value under element that does not convert to its member's type: an object is looked into member by member, a
    // list item by item, down to the values that fail on their own.
    private static void WrongTypes(JsonElement element, Type type, string path, JsonSerializerOptions options, WrongTypeSearch found)
    {
        if (found.Done) return;
        found.Read++;
        try
        {
            element.Deserialize(type, options);
            return;
        }
        catch (JsonException)
        {
            // looked into below
        }
        var info = options.GetTypeInfo(Nullable.GetUnderlyingType(type) ?? type);
        if (element.ValueKind == JsonValueKind.Object && info.Kind == System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object)
        {
            // (An object none of whose values is at fault failed for another reason, e.g. a member it lacks: the first error says it.)
            foreach (var member in element.EnumerateObject())
            {
                if (found.Done) return;
                var property = info.Properties.FirstOrDefault(p => string.Equals(p.Name, member.Name, options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal));
                if (property is not null) WrongTypes(member.Value, property.PropertyType, path.Length == 0 ? member.Name : $"{path}.{member.Name}", options, found);
            }
            return;
        }
        if (element.ValueKind == JsonValueKind.Array && info.Kind == System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Enumerable && info.ElementType is { } item)
        {
            var i = 0;
            foreach (var value in element.EnumerateArray())
            {
                if (found.Done) return;
                WrongTypes(value, item, $"{path}[{i++}]", options, found);
            }
            return;
        }
        if (path.Length > 0) found.Found.Add((path, $"Not {Expected((Nullable.GetUnderlyingType(type) ?? type).FullName ?? type.Name)}."));
    }

    /// <summary>"$.labResults[0].value" → "labResults[0].value"; "$" or none → "".</summary>
    private static string FieldOf(string? path) => (path ?? "").TrimStart('$').TrimStart('.');

    private static string Expected(string type)
    {
        var t = type.Replace("System.", "", StringComparison.Ordinal).Replace("Nullable`1[", "", StringComparison.Ordinal)
            .Replace("Nullable<", "", StringComparison.Ordinal).TrimEnd(']', '>', '?', '.').Trim();
        return t switch
        {
            "Int32" or "int" or "Int64" or "long" or "UInt64" or "ulong" or "Int16" or "Byte" => "a whole number",
            "Decimal" or "decimal" or "Double" or "double" or "Single" or "float" => "a number",
            "Boolean" or "bool" => "true or false",
            "DateOnly" => "a date (yyyy-MM-dd)",
            "DateTime" or "DateTimeOffset" => "a date and time (ISO 8601, e.g. 2026-01-31T14:30:00Z)",
            "TimeOnly" => "a time (HH:mm)",
            "String" or "string" => "text",
            _ when t.Contains("Dictionary`2", StringComparison.Ordinal) || t.StartsWith("HealthLedger.", StringComparison.Ordinal) => "an object",
            _ when t.Contains("List`1", StringComparison.Ordinal) || t.Contains("IEnumerable`1", StringComparison.Ordinal) || t.EndsWith("[]", StringComparison.Ordinal) => "a list",
            _ => "a valid value",
        };
    }

    [GeneratedRegex(@"Failed to bind parameter ""(?<type>[^""]+?) (?<name>\w+)"" from ""(?<value>[^""]*)""", RegexOptions.CultureInvariant)]
    private static partial Regex FailedToBind();

    [GeneratedRegex(@"Required parameter ""[^""]*? (?<name>\w+)"" was not provided", RegexOptions.CultureInvariant)]
    private static partial Regex RequiredParameter();

    [GeneratedRegex(@"converted to (?<type>[\w.`\[\]]+)", RegexOptions.CultureInvariant)]
    private static partial Regex ConvertedTo();

    // System.Text.Json's words for a property given twice (JsonSerializerOptions.AllowDuplicateProperties = false).
    [GeneratedRegex(@"^Duplicate property '(?<name>[^']*)'", RegexOptions.CultureInvariant)]
    private static partial Regex Duplicate();
}
