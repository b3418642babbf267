using System.Text;
using CsCheck;

namespace HealthLedger.Storage.Tests;

public sealed class Utf8OrderTests
{
    // Strings drawn from ASCII, Latin-1, U+E000–U+FFFF, surrogate pairs and single surrogates (lone, or a pair when a high one
    // meets a low one): the ranges where UTF-16 and UTF-8 order meet.
    private static readonly Gen<string> Text = Gen.OneOf(
            Gen.Char['a', 'c'].Select(c => c.ToString()),
            Gen.Char['\u00e0', '\u00e2'].Select(c => c.ToString()),
            Gen.Char['\ue000', '\ue001'].Select(c => c.ToString()),
            Gen.Char['\uffee', '\ufffd'].Select(c => c.ToString()),
            Gen.Int[0x1F600, 0x1F602].Select(char.ConvertFromUtf32),
            Gen.Char['\ud83d', '\ud83e'].Select(c => c.ToString()),
            Gen.Char['\ude00', '\ude01'].Select(c => c.ToString()))
        .Array[0, 5].Select(parts => string.Concat(parts));

    [Fact]
    public void Strings_compare_as_their_UTF8_bytes_do()
    {
        Gen.Select(Text, Text).Sample((a, b) =>
        {
            var expected = Math.Sign(Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b)));
            Assert.Equal(expected, Math.Sign(Utf8Order.Compare(a, b)));
        });
        Assert.True(Utf8Order.Compare("\ud83d\ude00", "\uffff") > 0); // ordinal UTF-16 says the opposite
        Assert.True(string.CompareOrdinal("\ud83d\ude00", "\uffff") < 0);
        Assert.Equal(0, Utf8Order.Compare("entry/1", "entry/1"));
        Assert.True(Utf8Order.Compare("entry/", "entry/1") < 0);
    }

    [Fact]
    public void Strings_holding_a_lone_surrogate_compare_as_their_UTF8_bytes_do()
    {
        // .NET (and Microsoft.Data.Sqlite binding a key) encodes a lone surrogate as U+FFFD (EF BF BD).
        foreach (var (a, b) in new[] { ("\ud800", "\uffff"), ("p/\ud800", "p/\ufffe"), ("\udc00", "\ufffd"), ("x\ud83d", "x\uffee") })
        {
            var expected = Math.Sign(Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b)));
            Assert.Equal((a, b, expected), (a, b, Math.Sign(Utf8Order.Compare(a, b))));
        }
    }
}
