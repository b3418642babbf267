using System.Buffers.Binary;
using System.Text;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Security;
using HealthLedger.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Encounters;

/// <summary>The heads file's ward and bed names, each read into one string held once: at lengths around 256 bytes, at the format's limit, and invalid UTF-8.</summary>
public class EntrySummaryNamesTests
{
    private static string X(int n) => new('x', n);

    [Fact]
    public async Task Names_at_the_stack_buffer_edges_and_at_the_format_limit_read_back_as_written_each_held_once()
    {
        using var folder = new TempDirectory();
        await using var node = await NodeFixture.StartAsync(folder);
        var cache = new EntrySummaryCache(Path.Combine(folder.Path, "s.sealed"), node.App.Services.GetRequiredService<OrganisationKeys>(), "net-a");
        string[] names =
        [
            "", "W", "War", "Ward", "Ward A", X(255), X(256), X(257), X(254) + "\u00e9", X(255) + "\u00e9", X(253) + "\u20ac", X(254) + "\u20ac",
            X(252) + "\U0001F600", X(253) + "\U0001F600", X(255) + "\U0001F600", X(65_535), new string('\u00e9', 32_767) + "x",
            "\ufeffWard", "\u0000", X(256) + "y", X(256) + "z",
        ];
        var heads = new List<KeptEntryHead>();
        for (var i = 0; i < names.Length; i++)
        {
            // each name twice as ward (in strings of their own) and once as bed
            heads.Add(new(EntrySummaryFileTests.Head($"w{i}", "p", new EntryDetails { OccurredAt = DateTimeOffset.UnixEpoch, Ward = names[i], Bed = names[names.Length - 1 - i] }), false));
            heads.Add(new(EntrySummaryFileTests.Head($"v{i}", "p", new EntryDetails { OccurredAt = DateTimeOffset.UnixEpoch, Ward = new string(names[i].AsSpan()), Bed = "b" }), false));
        }
        cache.Save(null, heads);
        var loaded = cache.Load(out var opened)!.Heads.ToDictionary(h => h.Head.Id, h => h.Head.Details);
        Assert.True(opened);
        Assert.Equal(heads.Count, loaded.Count);
        foreach (var (head, _) in heads) Assert.Equal(head.Details, loaded[head.Id]);
        for (var i = 0; i < names.Length; i++)
        {
            var w = loaded[$"w{i}"];
            Assert.Same(w.Ward, loaded[$"v{i}"].Ward);
            Assert.Same(w.Ward, loaded[$"w{names.Length - 1 - i}"].Bed);
        }
    }

    // A file sealed as the cache seals it (one frame, the last), holding one head whose ward is the given bytes.
    private static void WriteWithWard(string path, OrganisationKeys keys, string network, byte[] ward)
    {
        var plain = new List<byte> { 0 }; // no stamp
        plain.AddRange(new byte[40]);
        plain.AddRange(BitConverter.GetBytes(1)); // one head
        plain.AddRange(new byte[] { 0, (byte)EntryType.Charge, 1, 0, (byte)'e' }); // flags, type, id "e"
        foreach (var id in new[] { "p", "d", "a" })
        {
            plain.AddRange(BitConverter.GetBytes(0));
            plain.AddRange(new byte[] { 1, 0, (byte)id[0] });
        }
        plain.AddRange(new byte[58]); // proof, occurred at (ticks 0, offset 0)
        plain.AddRange(BitConverter.GetBytes(0)); // ward: a new text
        var len = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)ward.Length);
        plain.AddRange(len);
        plain.AddRange(ward);
        plain.AddRange(BitConverter.GetBytes(0));
        plain.AddRange(new byte[] { 1, 0, (byte)'b' }); // bed "b"
        var aad = new CanonicalWriter(128).Raw("HealthLedger/entry-heads/v2"u8).Key(keys.EncryptionKey).Raw(Encoding.UTF8.GetBytes(network)).ToArray();
        var sealedBytes = keys.SealCache(plain.ToArray(), [.. aad, .. BitConverter.GetBytes(0L), 1]);
        File.WriteAllBytes(path, [.. "HLESC\u0002\r\n"u8.ToArray(), .. BitConverter.GetBytes((uint)sealedBytes.Length | 0x8000_0000), .. sealedBytes]);
    }

    [Fact]
    public async Task A_name_of_invalid_UTF8_of_any_length_makes_the_file_ignored_not_a_throw()
    {
        using var folder = new TempDirectory();
        await using var node = await NodeFixture.StartAsync(folder);
        var keys = node.App.Services.GetRequiredService<OrganisationKeys>();
        var path = Path.Combine(folder.Path, "s.sealed");
        var cache = new EntrySummaryCache(path, keys, "net-a");
        WriteWithWard(path, keys, "net-a", "Ward"u8.ToArray());
        Assert.Equal("Ward", Assert.Single(cache.Load(out var good)!.Heads).Head.Details.Ward);
        Assert.True(good); // the crafted file is one the cache reads
        byte[] ascii = Encoding.ASCII.GetBytes(X(300));
        byte[][] bad =
        [
            [0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xE2, 0x82],
            [.. ascii[..255], 0xC3], [.. ascii[..254], 0xF0, 0x9F], [.. ascii[..256], 0xC3], [.. ascii[..255], 0xE2, 0x82], [.. ascii[..299], 0xFF],
            [.. ascii[..100], 0xED, 0xB0, 0x80, .. ascii[..200]], [.. new byte[65_534], 0xC3],
        ];
        foreach (var ward in bad)
        {
            WriteWithWard(path, keys, "net-a", ward);
            var loaded = cache.Load(out var opened);
            Assert.Equal((ward.Length, true, false), (ward.Length, loaded is null, opened));
        }
    }
}
