using System.Text;
using CsCheck;

namespace HealthLedger.Storage.Tests;

/// <summary>Utf8Order against the UTF-8 encoder's bytes over surrogates in every arrangement.</summary>
public sealed class Utf8OrderRandomTests
{
    private static readonly Gen<string> Unit = Gen.OneOf(
        Gen.Const("a"), Gen.Const("\u007f"), Gen.Const("\u0080"), Gen.Const("\u07ff"), Gen.Const("\u0800"),
        Gen.Const("\ud7ff"), Gen.Const("\ue000"), Gen.Const("\ufffd"), Gen.Const("\ufffe"), Gen.Const("\uffff"),
        Gen.Char['\ud800', '\ud801'].Select(c => c.ToString()), Gen.Const("\udbff"),
        Gen.Char['\udc00', '\udc01'].Select(c => c.ToString()), Gen.Const("\udfff"),
        Gen.Const("\ud800\udc00"), Gen.Const("\udbff\udfff"), Gen.Const("\udc00\ud800"), Gen.Const("\U0001F600"));

    private static readonly Gen<string> Text = Unit.Array[0, 6].Select(parts => string.Concat(parts));

    private static int Bytes(string a, string b) =>
        Math.Sign(Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b)));

    [Fact]
    public void Random_strings_over_surrogates_compare_as_their_UTF8_bytes_antisymmetrically()
    {
        Gen.Select(Text, Text).Sample((a, b) =>
        {
            Assert.Equal((a, b, Bytes(a, b)), (a, b, Math.Sign(Utf8Order.Compare(a, b))));
            Assert.Equal(-Math.Sign(Utf8Order.Compare(a, b)), Math.Sign(Utf8Order.Compare(b, a)));
        }, iter: 20_000);
        // a string and one sharing its prefix, to reach the back-up to a high surrogate
        Gen.Select(Text, Text, Text).Sample((p, a, b) =>
            Assert.Equal((p + a, p + b, Bytes(p + a, p + b)), (p + a, p + b, Math.Sign(Utf8Order.Compare(p + a, p + b)))), iter: 20_000);
    }

    [Fact]
    public void Strings_with_the_same_UTF8_bytes_compare_equal()
    {
        foreach (var (a, b) in new[] { ("\ud800", "\ufffd"), ("\udc00", "\ud800"), ("x\ud800y", "x\ufffdy"), ("\udc00\ud800", "\ufffd\ufffd"), ("\ud800\ud800\udc00", "\ufffd\U00010000"), ("a\udbff", "a\ufffd") })
        {
            Assert.Equal((a, b, 0), (a, b, Utf8Order.Compare(a, b)));
            Assert.Equal((b, a, 0), (b, a, Utf8Order.Compare(b, a)));
        }
    }
}
