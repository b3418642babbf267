using System.Text.Json;
using System.Text.Json.Serialization;
using HealthLedger.Storage;

namespace HealthLedger.Node.Configuration;

/// <summary>
/// A newcomer organisation's request to join a consortium (<c>healthledger consortium request</c> writes it; an admin of a member
/// organisation submits it as an <c>AddOrganisation</c> proposal). Public keys and addresses only, never a secret: it travels
/// by e-mail or upload. A copy stays in the newcomer's data folder (<see cref="FileName"/>) so that its node knows which
/// organisation it serves until the chain names it.
/// </summary>
public sealed class JoinRequest
{
    /// <summary>The format name written in <see cref="Format"/>.</summary>
    public const string CurrentFormat = "healthledger-join-request/v1";

    /// <summary>The copy's file name in the newcomer's data folder.</summary>
    public const string FileName = "join-request.json";

    /// <summary>Always <see cref="CurrentFormat"/>.</summary>
    public string? Format { get; set; } = CurrentFormat;

    /// <summary>The organisation to admit.</summary>
    public JoinRequestOrganisation? Organisation { get; set; }

    /// <summary>Its first admin.</summary>
    public JoinRequestAdmin? Admin { get; set; }

    /// <summary>Its voting node (none: an organisation without a node of its own).</summary>
    public JoinRequestNode? Node { get; set; }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // A request naming a member twice (two node keys, two contacts) is refused: which copy a reviewer saw and which one a
        // reader takes could differ.
        AllowDuplicateProperties = false,
    };

    /// <summary>
    /// How a join request handed in through the web UI is read: as the API reads its body (names in any case), and a member
    /// given twice is an error, not its last copy.
    /// </summary>
    public static readonly JsonSerializerOptions Upload = new(JsonSerializerOptions.Web) { AllowDuplicateProperties = false };

    /// <summary>The request as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    /// <summary>Writes the request (readable by others: it holds no secret).</summary>
    public void Write(string path) => File.WriteAllText(path, ToJson());

    /// <summary>Reads a request file.</summary>
    /// <exception cref="InvalidDataException">The file is not a join request.</exception>
    public static JoinRequest Read(string path)
    {
        try
        {
            var request = JsonSerializer.Deserialize<JoinRequest>(File.ReadAllText(path), Json);
            return request is { Format: CurrentFormat, Organisation: not null, Admin: not null }
                ? request
                : throw new InvalidDataException($"{path} is not a HealthLedger join request (format {CurrentFormat}).");
        }
        catch (JsonException e) when (e.Message.StartsWith("Duplicate property", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path} is not a join request to trust: {e.Path?.TrimStart('$').TrimStart('.')} is given more than once.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {e.Message}");
        }
    }

    /// <summary>The request kept in a newcomer's data folder, or null.</summary>
    public static JoinRequest? InFolder(DataDirectory data)
    {
        var path = Path.Combine(data.Root, FileName);
        return File.Exists(path) ? Read(path) : null;
    }
}
