using System.Text;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using JsonTokenType = System.Text.Json.JsonTokenType;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir;

/// <summary>The two FHIR wire formats (FHIR R4 §3.1.0 "Formats"): JSON and XML.</summary>
public enum FhirFormat
{
    /// <summary><c>application/fhir+json</c>.</summary>
    Json,
    /// <summary><c>application/fhir+xml</c>.</summary>
    Xml,
}

/// <summary>
/// Content negotiation and (de)serialisation for <c>/fhir/R4</c> with the Firely SDK (FHIR R4 http.html §3.1.0.1.9 "Content
/// Types and encodings"): the <c>_format</c> parameter wins over <c>Accept</c>; JSON when neither names a FHIR format.
/// </summary>
public static class FhirFormats
{
    /// <summary>The JSON media type with the FHIR version parameter.</summary>
    public const string JsonContentType = "application/fhir+json; fhirVersion=4.0; charset=utf-8";

    /// <summary>The XML media type with the FHIR version parameter.</summary>
    public const string XmlContentType = "application/fhir+xml; fhirVersion=4.0; charset=utf-8";

    /// <summary>The NDJSON media type of bulk export files (FHIR Bulk Data Access IG 2.0).</summary>
    public const string NdjsonContentType = "application/fhir+ndjson";

    private static readonly FhirJsonDeserializer JsonReader = new();
    private static readonly FhirXmlDeserializer XmlReader = new();

    /// <summary>
    /// The format the caller asked for: <c>_format</c> (json, xml, or a media type), else the first FHIR, JSON or XML type in
    /// <c>Accept</c>, else JSON. Null when <c>_format</c> names something else (answer 406... or 400 as the caller sees fit).
    /// </summary>
    public static FhirFormat? Negotiate(HttpRequest request)
    {
        var format = request.Query["_format"].ToString();
        if (format.Length > 0) return Parse(format);
        if (MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted))
        {
            foreach (var type in accepted.OrderByDescending(a => a.Quality ?? 1.0))
            {
                if (Parse(type.MediaType.ToString()) is { } f) return f;
            }
        }
        return FhirFormat.Json;
    }

    /// <summary>A <c>_format</c> value or media type as a format; null when it is neither JSON nor XML.</summary>
    public static FhirFormat? Parse(string value) => Web.FhirErrors.IsXml(value) switch
    {
        true => FhirFormat.Xml,
        false => FhirFormat.Json,
        null => null,
    };

    /// <summary>The media type written for <paramref name="format"/>.</summary>
    public static string ContentType(FhirFormat format) => format == FhirFormat.Xml ? XmlContentType : JsonContentType;

    /// <summary>The resource in <paramref name="format"/>; <paramref name="pretty"/> indents.</summary>
    public static string Serialize(Resource resource, FhirFormat format, bool pretty = false) =>
        format == FhirFormat.Xml ? resource.ToXml(pretty: pretty) : resource.ToJson(pretty: pretty);

    /// <summary>
    /// Reads a resource from a request body in the format its <c>Content-Type</c> names (JSON when none). The error is a
    /// sentence for an OperationOutcome: not JSON/XML, not a FHIR resource, a type or element the R4 model does not know;
    /// the expression is the FHIRPath of the first element at fault when the parser names one (e.g.
    /// <c>Bundle.entry[0].request.method</c>), for the issue's <c>expression</c>.
    /// </summary>
    public static async Task<(Resource? Resource, string? Error, string? Expression)> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        var format = request.ContentType is { Length: > 0 } ct0 ? Parse(ct0) : FhirFormat.Json;
        if (format is null) return (null, $"The body's Content-Type '{request.ContentType}' is not a FHIR format: send application/fhir+json or application/fhir+xml.", null);
        string text;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
        {
            text = await reader.ReadToEndAsync(ct);
        }
        if (string.IsNullOrWhiteSpace(text)) return (null, "The request body is empty: send a FHIR resource.", null);
        return Deserialize(text, format.Value);
    }

    /// <summary>
    /// Parses <paramref name="text"/> as a FHIR R4 resource; the error says what is wrong, and the expression is the FHIRPath
    /// of the first element the parser names (<see cref="Hl7.Fhir.Utility.ExtendedCodedException.InstancePath"/>), or null.
    /// </summary>
    public static (Resource? Resource, string? Error, string? Expression) Deserialize(string text, FhirFormat format)
    {
        ArgumentNullException.ThrowIfNull(text);
        // The SDK keeps one copy of a JSON property given twice (resourceType, gender, a name array …) and says nothing; RFC 8259
        // §4 leaves such a body's meaning to the reader, so it is refused rather than half read.
        if (format == FhirFormat.Json && RepeatedJsonProperty(text) is { } repeated)
        {
            return (null, $"The body is not a valid FHIR R4 resource: the JSON property '{repeated.Name}' is given more than once at {repeated.Expression}; give each once.",
                repeated.Expression);
        }
        try
        {
            var resource = format == FhirFormat.Xml ? XmlReader.DeserializeResource(text) : JsonReader.DeserializeResource(text);
            return (resource, null, null);
        }
        catch (DeserializationFailedException e)
        {
            // The SDK's messages name the element and its position (and a code's value, the caller's own); keep the first few.
            var issues = e.Exceptions.Take(5).Select(x => x.Message);
            var path = e.Exceptions.OfType<Hl7.Fhir.Utility.ExtendedCodedException>().Select(x => x.InstancePath).FirstOrDefault(p => !string.IsNullOrEmpty(p));
            return (null, "The body is not a valid FHIR R4 resource: " + string.Join(" ", issues), path);
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or System.Xml.XmlException or InvalidOperationException)
        {
            return (null, $"The body is not a valid FHIR R4 {(format == FhirFormat.Xml ? "XML" : "JSON")} resource.", null);
        }
    }

    // The first JSON property that an object holds twice, with where it is as a FHIRPath-like expression (the resource's type, then
    // the elements and array positions down to it, e.g. Bundle.entry[1].resource.gender); null when every object's names are
    // distinct or the text is not JSON at all (the SDK's parse then says what is wrong).
    private static (string Name, string Expression)? RepeatedJsonProperty(string text)
    {
        var reader = new System.Text.Json.Utf8JsonReader(Encoding.UTF8.GetBytes(text), new System.Text.Json.JsonReaderOptions { MaxDepth = 256 });
        // One frame per open object (its names so far) or array (names null; the position of its current element).
        var frames = new List<(HashSet<string>? Names, int Index, string Segment)>();
        var segment = "";
        string? rootType = null;
        var rootTypeNext = false;
        try
        {
            while (reader.Read())
            {
                var token = reader.TokenType;
                if (frames.Count > 0 && frames[^1].Names is null && token != JsonTokenType.EndArray)
                {
                    var array = frames[^1];
                    frames[^1] = array with { Index = array.Index + 1 };
                    segment = $"[{array.Index + 1}]";
                }
                switch (token)
                {
                    case JsonTokenType.StartObject:
                        frames.Add((new HashSet<string>(StringComparer.Ordinal), -1, segment));
                        break;
                    case JsonTokenType.StartArray:
                        frames.Add((null, -1, segment));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        var path = string.Concat(frames.Select(f => f.Segment)) + "." + name;
                        if (!frames[^1].Names!.Add(name)) return (name, rootType is null ? path.TrimStart('.') : rootType + path);
                        segment = "." + name;
                        rootTypeNext = frames.Count == 1 && name == "resourceType";
                        continue;
                    case JsonTokenType.String when rootTypeNext:
                        rootType = reader.GetString();
                        break;
                }
                rootTypeNext = false;
            }
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
        return null;
    }
}
