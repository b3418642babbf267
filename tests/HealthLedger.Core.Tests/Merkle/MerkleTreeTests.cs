using System.Text.Json;
using HealthLedger.Core.Merkle;

namespace HealthLedger.Core.Tests.Merkle;

public class MerkleTreeTests
{
    public static TheoryData<string[], string> Rfc6962Vectors()
    {
        var data = new TheoryData<string[], string>();
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "merkle-rfc6962.json")));
        foreach (var v in doc.RootElement.EnumerateArray())
        {
            data.Add(v.GetProperty("leaves").EnumerateArray().Select(l => l.GetString()!).ToArray(), v.GetProperty("root").GetString()!);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Rfc6962Vectors))]
    public void Root_matches_the_certificate_transparency_known_answers(string[] leaves, string root)
    {
        var entries = leaves.Select(l => (ReadOnlyMemory<byte>)Convert.FromHexString(l));
        Assert.Equal(root, MerkleTree.RootOf(entries).ToString());
    }

    [Fact]
    public void Vectors_cover_the_empty_tree_and_eight_leaves()
    {
        var data = Rfc6962Vectors();
        Assert.Equal(9, data.Count);
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", MerkleTree.EmptyRoot.ToString());
    }

    [Fact]
    public void Changing_order_or_any_id_changes_the_root()
    {
        var ids = Enumerable.Range(0, 5).Select(i => Core.Crypto.Hashing.Sha256([(byte)i])).ToList();
        var root = MerkleTree.RootOfIds(ids);
        var swapped = ids.ToList();
        (swapped[1], swapped[2]) = (swapped[2], swapped[1]);
        Assert.NotEqual(root, MerkleTree.RootOfIds(swapped));
        var changed = ids.ToList();
        changed[4] = Core.Crypto.Hashing.Sha256([99]);
        Assert.NotEqual(root, MerkleTree.RootOfIds(changed));
    }
}
