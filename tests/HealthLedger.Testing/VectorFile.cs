using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HealthLedger.Testing;

/// <summary>
/// A known-answer vector file in <c>tests/HealthLedger.Core.Tests/Vectors/</c> (copied beside the test assembly as
/// <c>Vectors/</c>): for each name, the exact bytes (hex) and their SHA-256. Tests compare what the code produces with the
/// bytes checked in, so any change to an encoding fails them. After a deliberate, versioned format change, run the tests
/// once with <c>HEALTHLEDGER_WRITE_VECTORS=1</c> (it rewrites the file in the source tree) and review the diff.
/// </summary>
public static class VectorFile
{
    /// <summary>Why <paramref name="actual"/> differs from the checked-in file, or null; rewrites the file instead when asked to.</summary>
    public static string? Compare(string fileName, IReadOnlyList<(string Name, byte[] Bytes)> actual, [System.Runtime.CompilerServices.CallerFilePath] string caller = "")
    {
        if (Environment.GetEnvironmentVariable("HEALTHLEDGER_WRITE_VECTORS") == "1")
        {
            var root = new JsonObject();
            foreach (var (name, bytes) in actual)
            {
                root[name] = new JsonObject { ["hex"] = Convert.ToHexStringLower(bytes), ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes)) };
            }
            File.WriteAllText(Path.Combine(SourceFolder(caller), fileName), root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            return null;
        }
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", fileName)));
        var expected = doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (Hex: p.Value.GetProperty("hex").GetString()!, Sha: p.Value.GetProperty("sha256").GetString()!));
        var names = actual.Select(a => a.Name).ToHashSet();
        if (expected.Keys.FirstOrDefault(k => !names.Contains(k)) is { } gone) return $"{fileName} '{gone}': no longer produced";
        foreach (var (name, bytes) in actual)
        {
            if (!expected.TryGetValue(name, out var want)) return $"{fileName} '{name}': not in the file";
            var hex = Convert.ToHexStringLower(bytes);
            if (hex != want.Hex) return $"{fileName} '{name}': the encoding changed.\n expected {want.Hex}\n actual   {hex}";
            if (want.Sha != Convert.ToHexStringLower(SHA256.HashData(bytes))) return $"{fileName} '{name}': its hash changed";
        }
        return null;
    }

    private static string SourceFolder(string caller)
    {
        for (var dir = Path.GetDirectoryName(caller); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            var candidate = Path.Combine(dir, "tests", "HealthLedger.Core.Tests", "Vectors");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("tests/HealthLedger.Core.Tests/Vectors not found above " + caller);
    }
}
