using HealthLedger.Node.Records;

namespace HealthLedger.Node.Tests.Records;

/// <summary>Issue 12 item 10: free text is normalised (NFC) and checked for hidden characters at the door; search folds case and accents.</summary>
public class FieldRulesTests
{
    public static TheoryData<string> Refused => new()
    {
        "Ann\0a",              // NUL
        "Ann\u202Eeb",         // right-to-left override
        "Ann\u2066a\u2069",    // isolates
        "Ann\u200Fa",          // right-to-left mark
        "An\u200Bna",          // zero-width space
        "\u200DAnna",          // a joiner not between letters
        "An\uFEFFna",          // byte-order mark / zero-width no-break space
        "An\u00ADna",          // soft hyphen
        "An\u2060na",          // word joiner
        "Anna\u0007",          // bell
        "Anna\u001B[31m",      // terminal escape
        "Anna\u2028Smith",     // line separator
        "Anna\uE000",          // private use
        "Anna\uD800",          // lone surrogate
        "Anna\U000E0041",      // tag character
        "Anna\nSmith",         // a line break in a one-line field
        "An\u034Fna",          // combining grapheme joiner: a mark that shows nothing
        "\u0301Anna",          // a combining mark with nothing before it
        "Anna\u3164Smith",     // Hangul filler: a letter that shows as nothing
        "\uFFA0",              // halfwidth Hangul filler
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Hidden_and_control_characters_are_a_field_error(string value)
    {
        var errors = new FieldErrors();
        FieldRules.Text(errors, "fullName", value, 200, true, "Full name");
        var message = Assert.Single(Assert.Single(errors.ToDictionary()).Value);
        Assert.Contains("not allowed (U+", message);
    }

    [Theory]
    [InlineData("Łukasiewicz")]
    [InlineData("张伟")]
    [InlineData("Nguyễn Thị Minh Khai")]
    [InlineData("देवनागरी")]
    [InlineData("محمد")]
    [InlineData("می\u200Cخواهم")] // Persian: a zero-width non-joiner between letters is part of the spelling
    [InlineData("O'Brien-Smith Jr.")]
    [InlineData("\U00020000 ext-B")]
    public void Names_in_any_script_are_accepted(string value)
    {
        var errors = new FieldErrors();
        Assert.Equal(value, FieldRules.Text(errors, "fullName", value, 200, true, "Full name"));
        Assert.True(errors.IsEmpty);
    }

    [Fact]
    public void Text_is_normalised_to_NFC_and_multiline_fields_keep_line_breaks()
    {
        var errors = new FieldErrors();
        Assert.Equal("Zo\u00EB", FieldRules.Text(errors, "fullName", " Zoe\u0308 ", 200, true, "Full name"));
        Assert.Equal("line 1\n\tline 2", FieldRules.Text(errors, "notes", "line 1\n\tline 2", 200, true, "Notes", multiline: true));
        Assert.True(errors.IsEmpty);
        FieldRules.Text(errors, "notes", "a\0b", 200, true, "Notes", multiline: true);
        Assert.False(errors.IsEmpty);
    }

    [Theory]
    [InlineData("Łukasiewicz", "lukasiewicz")]
    [InlineData("Łukasiewicz", "ŁUKASIEWICZ")]
    [InlineData("Müller", "muller")]
    [InlineData("Mu\u0308ller", "MÜLLER")]
    [InlineData("Søren Kierkegaard", "soren")]
    [InlineData("Straße", "strasse")]
    [InlineData("Đorđević", "dordevic")]
    [InlineData("Nguyễn", "nguyen")]
    [InlineData("Æsa Œuvre", "aesa oeuvre")]
    [InlineData("José", "JOSE")]
    [InlineData("张伟", "张伟")]
    public void Search_folds_case_and_accents(string name, string query) => Assert.True(TextFolding.Contains(name, query));

    [Fact]
    public void Folding_never_throws_on_broken_text() =>
        Assert.Equal("a\uFFFD", TextFolding.Fold("A\uD800"));
}
