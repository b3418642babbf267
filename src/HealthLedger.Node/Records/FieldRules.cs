using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace HealthLedger.Node.Records;

/// <summary>Shared field rules.</summary>
public static partial class FieldRules
{
    public static readonly string[] Genders = ["female", "male", "other", "unknown"];
    public static readonly string[] BloodGroups = ["A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-", "unknown"];
    public static readonly string[] PaymentMethods = ["cash", "card", "insurance", "bank-transfer"];
    public static readonly string[] EncounterTypes = ["admission", "visit", "transfer", "discharge"];

    public static bool IsPhone(string value) => Phone().IsMatch(value);

    /// <summary>Checks an optional phone number and email address; returns them trimmed.</summary>
    public static (string Phone, string Email) Contact(FieldErrors errors, string? phone, string? email)
    {
        var p = Text(errors, "phone", phone, 20, false, "Phone");
        if (p.Length > 0 && !IsPhone(p)) errors.Add("phone", "Phone must be digits, spaces, '()-', optionally starting with '+' (6 to 20 characters).");
        var m = Text(errors, "email", email, 200, false, "Email");
        if (m.Length > 0 && !IsEmail(m)) errors.Add("email", "Email is not a valid address.");
        return (p, m);
    }

    public static bool IsEmail(string value) => Email().IsMatch(value);

    public static bool IsMrn(string value) => Mrn().IsMatch(value);

    /// <summary>
    /// The one door for free text: trims it, normalises it to Unicode NFC (so one name has one spelling, whatever the
    /// keyboard sent) and adds an error when it holds a character that is not allowed (<see cref="ForbiddenCharacter"/>),
    /// when a required text is missing or when it is too long. Returns the normalised text.
    /// <paramref name="multiline"/> allows line breaks and tabs (notes, summaries, addresses).
    /// </summary>
    public static string Text(FieldErrors errors, string field, string? value, int max, bool required, string label, bool multiline = false)
    {
        var trimmed = (value ?? "").Trim();
        if (ForbiddenCharacter(trimmed, multiline) is { } bad)
        {
            errors.Add(field, $"{label} contains a character that is not allowed ({bad}): control, invisible and direction-changing characters are refused.");
            return trimmed;
        }
        var text = TextFolding.Nfc(trimmed);
        if (required && text.Length == 0) errors.Add(field, $"{label} is required.");
        else if (text.Length > max) errors.Add(field, $"{label} must be at most {max} characters.");
        return text;
    }

    /// <summary>
    /// <see cref="Text"/> for a field whose limit is in UTF-8 bytes (what the ledger stores and checks): the message says bytes,
    /// never characters (a letter outside Latin script takes 2 to 4 bytes).
    /// </summary>
    public static string TextBytes(FieldErrors errors, string field, string? value, int maxBytes, bool required, string label, bool multiline = false)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var hadError = errors.Has(field);
        var text = Text(errors, field, value, int.MaxValue, required, label, multiline);
        if (!hadError && !errors.Has(field) && Encoding.UTF8.GetByteCount(text) > maxBytes)
        {
            errors.Add(field, $"{label} must be at most {maxBytes} bytes of UTF-8 text (a letter outside Latin script takes 2 to 4).");
        }
        return text;
    }

    /// <summary>
    /// The first character of <paramref name="text"/> that free text may not hold, as "U+XXXX at position N", or null:
    /// control characters (line breaks and tabs only when <paramref name="multiline"/>), format characters (bidi overrides,
    /// embeddings, isolates and marks, zero-width spaces, word joiners, byte-order marks, soft hyphens, tags) except a
    /// zero-width (non-)joiner between two letters (Persian, Indic scripts), line and paragraph separators, private-use and
    /// unassigned code points, broken surrogate pairs, the combining grapheme joiner (U+034F: a mark that shows nothing), a
    /// combining mark with nothing before it (it would draw on whatever a page prints before the text) and the Hangul fillers
    /// (U+115F, U+1160, U+3164, U+FFA0: letters that show as nothing).
    /// </summary>
    public static string? ForbiddenCharacter(string text, bool multiline = false)
    {
        for (var i = 0; i < text.Length;)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var used) != System.Buffers.OperationStatus.Done) return Describe(text[i], i);
            // The Hangul fillers (U+115F, U+1160, U+3164, U+FFA0) are letters by category that show as nothing: a blank that
            // is not a space, as invisible as a format character.
            var allowed = rune.Value is 0x115F or 0x1160 or 0x3164 or 0xFFA0 ? false : Rune.GetUnicodeCategory(rune) switch
            {
                UnicodeCategory.Control => multiline && rune.Value is '\n' or '\r' or '\t',
                UnicodeCategory.Format => rune.Value is 0x200C or 0x200D && IsLetterAt(text, i - 1) && IsLetterAt(text, i + used),
                UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => i > 0 && rune.Value != 0x034F,
                UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.PrivateUse
                    or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate => false,
                _ => true,
            };
            if (!allowed) return Describe(rune.Value, i);
            i += used;
        }
        return null;
    }

    private static string Describe(int codePoint, int index) => $"U+{codePoint:X4} at position {index + 1}";

    private static bool IsLetterAt(string text, int index)
    {
        if (index < 0 || index >= text.Length) return false;
        var category = char.IsLowSurrogate(text[index]) && index > 0 ? CharUnicodeInfo.GetUnicodeCategory(text, index - 1) : CharUnicodeInfo.GetUnicodeCategory(text, index);
        return category is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter
            or UnicodeCategory.OtherLetter or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;
    }

    [GeneratedRegex(@"^\+?[0-9][0-9 ()\-]{5,19}$", RegexOptions.CultureInvariant)]
    private static partial Regex Phone();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]{2,}$", RegexOptions.CultureInvariant)]
    private static partial Regex Email();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9\-]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex Mrn();
}
