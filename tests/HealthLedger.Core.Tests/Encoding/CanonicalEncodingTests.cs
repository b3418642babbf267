using CsCheck;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Tests.Encoding;

public class CanonicalEncodingTests
{
    [Fact]
    public void VarUInt_round_trips_every_value_in_its_shortest_form()
    {
        Gen.ULong.Sample(value =>
        {
            var bytes = new CanonicalWriter().VarUInt(value).ToArray();
            var r = new CanonicalReader(bytes);
            Assert.True(r.VarUInt(out var back));
            Assert.True(r.End());
            Assert.Equal(value, back);
            var expectedLength = value == 0 ? 1 : (64 - ulong.LeadingZeroCount(value) + 6) / 7;
            Assert.Equal((int)expectedLength, bytes.Length);
        });
    }

    [Theory]
    [InlineData("8000", "not in its shortest form")]
    [InlineData("ff80", "runs past the end")]
    [InlineData("ffffffffffffffffff02", "overflows")]
    [InlineData("80808080808080808080", "overflows")]
    public void VarUInt_rejects_non_canonical_or_broken_input(string hex, string reason)
    {
        var r = new CanonicalReader(Convert.FromHexString(hex));
        Assert.False(r.VarUInt(out _));
        Assert.Contains(reason, r.Error);
    }

    [Fact]
    public void Text_and_bytes_round_trip()
    {
        Gen.Select(Gen.String, Gen.Byte.Array[0, 300]).Sample((text, bytes) =>
        {
            var encoded = new CanonicalWriter().Text(text).Bytes(bytes).ToArray();
            var r = new CanonicalReader(encoded);
            Assert.True(r.Text(out var t, 10_000, "t"));
            Assert.True(r.Bytes(out var b, 10_000, "b"));
            Assert.True(r.End());
            // Lone surrogates cannot be UTF-8; the writer replaces them, so compare through UTF-8.
            Assert.Equal(System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(text)), t);
            Assert.Equal(bytes, b.ToArray());
        });
    }

    [Fact]
    public void Text_rejects_invalid_utf8_and_over_long_values()
    {
        var invalid = new CanonicalReader([2, 0xC3, 0x28]);
        Assert.False(invalid.Text(out _, 10, "name"));
        Assert.Contains("not valid UTF-8", invalid.Error);

        var tooLong = new CanonicalReader(new CanonicalWriter().Text("abcdef").ToArray());
        Assert.False(tooLong.Text(out _, 5, "name"));
        Assert.Contains("exceeds the limit", tooLong.Error);
    }

    [Fact]
    public void Booleans_other_than_0_or_1_and_trailing_bytes_are_refused()
    {
        var r = new CanonicalReader([2]);
        Assert.False(r.Bool(out _));
        var trailing = new CanonicalReader([1, 9]);
        Assert.True(trailing.Bool(out var b) && b);
        Assert.False(trailing.End());
        Assert.Contains("trailing", trailing.Error);
    }

    [Fact]
    public void Fixed_values_round_trip_and_order_like_their_bytes()
    {
        Gen.Select(Gen.Byte.Array[32], Gen.Byte.Array[32]).Sample((a, b) =>
        {
            var x = new Hash256(a);
            var y = new Hash256(b);
            var r = new CanonicalReader(new CanonicalWriter().Hash(x).ToArray());
            Assert.True(r.Hash(out var back, "h") && r.End());
            Assert.Equal(x, back);
            Assert.Equal(Math.Sign(a.AsSpan().SequenceCompareTo(b)), Math.Sign(x.CompareTo(y)));
            Assert.True(Hash256.TryParse(x.ToString(), out var parsed) && parsed == x);
        });
    }

    [Fact]
    public void Bits_are_numbered_from_the_most_significant_bit_of_the_first_byte()
    {
        var bytes = new byte[32];
        bytes[0] = 0b1000_0000;
        bytes[31] = 0b0000_0001;
        var value = new Bytes32(bytes);
        Assert.Equal(1, value.GetBit(0));
        Assert.Equal(0, value.GetBit(1));
        Assert.Equal(1, value.GetBit(255));
        Assert.Equal(0, value.GetBit(254));
    }

    [Fact]
    public void Batches_split_into_their_items_and_refuse_truncation()
    {
        Gen.Byte.Array[0, 50].Array[0, 20].Sample(items =>
        {
            var batch = BatchEncoding.Encode(items.Select(i => (ReadOnlyMemory<byte>)i).ToList());
            var parts = new List<ReadOnlyMemory<byte>>();
            Assert.True(BatchEncoding.TrySplit(batch, 100, 100, parts, out _));
            Assert.Equal(items, parts.Select(p => p.ToArray()).ToArray());
            if (batch.Length > 1)
            {
                Assert.False(BatchEncoding.TrySplit(batch.AsMemory(0, batch.Length - 1), 100, 100, [], out var error));
                Assert.NotNull(error);
            }
        });
    }
}
