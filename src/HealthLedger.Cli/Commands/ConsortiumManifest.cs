using System.Text.Json;
using HealthLedger.Storage;

namespace HealthLedger.Cli.Commands;

/// <summary>
/// <c>NET/consortium.json</c>, written by the first <c>consortium up</c>: which organisation runs from which folder, on which
/// ports, with which admin. No secrets. Later runs read it to start the same nodes.
/// </summary>
internal sealed record ConsortiumManifest(string NetworkId, string GenesisHash, IReadOnlyList<ConsortiumManifest.Member> Organisations)
{
    public const string FileName = "consortium.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, AllowDuplicateProperties = false };

    /// <summary>One organisation: its id (its folder's name under NET), name, type, node's web URL and peer port, first admin.</summary>
    internal sealed record Member(string Id, string Name, string Type, string Web, int PeerPort, string Admin);

    public static string PathIn(string root) => Path.Combine(root, FileName);

    public void Write(string root) => OwnerOnly.WriteAllText(PathIn(root), JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>Reads the manifest, or null when there is none.</summary>
    /// <exception cref="InvalidDataException">It is not valid.</exception>
    public static ConsortiumManifest? Read(string root)
    {
        var path = PathIn(root);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<ConsortiumManifest>(File.ReadAllText(path), Json) is { Organisations.Count: > 0 } manifest
                ? manifest
                : throw new InvalidDataException($"{path} lists no organisation.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {e.Message}");
        }
    }
}
