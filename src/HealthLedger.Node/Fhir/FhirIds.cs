using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace HealthLedger.Node.Fhir;

/// <summary>
/// The one reversible mapping between HealthLedger ids and FHIR ids (R4 datatypes.html#id: <c>[A-Za-z0-9\-\.]{1,64}</c>).
/// HealthLedger ids are lower-case (<see cref="Core.Model.Identifiers.Rule"/>: letters, digits, '.', '_', '-'), so upper-case
/// letters are free to escape with: '_' becomes <c>U</c> (one character for one, so an id of 64 stays within 64) and any
/// other character outside <c>[a-z0-9.-]</c> becomes <c>X</c> and the two upper-case hex digits of each of its UTF-8 bytes.
/// An id that is already a valid FHIR id is unchanged (<c>pt-7k2m9q4xza</c>, <c>dr-ann</c>); <c>dr_ann</c> is <c>drUann</c>.
/// The mapping works character by character, so an id composed of a HealthLedger id and fixed parts
/// (<c>role-{doctorId}</c>, <c>{patientId}-allergy-{n}</c>) encodes as its parts do. Every mapper builds ids and references
/// with <see cref="Of"/> (<see cref="FhirMeta.Reference"/> does), and every read, search parameter and write reference turns
/// them back with <see cref="Ledger"/>. Ids made of other material (lab result Observations, Provenance, Bundles) are not ledger ids and are not mapped.
/// </summary>
public static partial class FhirIds
{
    /// <summary>FHIR's id length limit.</summary>
    public const int MaxLength = 64;

    /// <summary>The FHIR id of a HealthLedger id (or of an id composed of one).</summary>
    public static string Of(string ledgerId)
    {
        if (IsPlain(ledgerId)) return ledgerId;
        var b = new StringBuilder(ledgerId.Length + 8);
        Span<byte> bytes = stackalloc byte[4];
        foreach (var rune in ledgerId.EnumerateRunes())
        {
            if (rune.IsAscii && IsKept((char)rune.Value)) b.Append((char)rune.Value);
            else if (rune.Value == '_') b.Append('U');
            else
            {
                var n = rune.EncodeToUtf8(bytes);
                foreach (var x in bytes[..n]) b.Append('X').Append(x.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return b.ToString();
    }

    /// <summary>
    /// The HealthLedger id a FHIR id names, or null when it is no encoded id (an upper-case letter other than the escapes, a
    /// broken escape). A HealthLedger id given as it is (<c>dr_ann</c>, as internal callers pass them) comes back unchanged.
    /// </summary>
    public static string? Ledger(string fhirId)
    {
        if (fhirId.Length > 0 && fhirId.All(c => IsKept(c) || c == '_')) return fhirId;
        var bytes = new List<byte>(fhirId.Length);
        for (var i = 0; i < fhirId.Length; i++)
        {
            var c = fhirId[i];
            if (IsKept(c) || c == '_') bytes.Add((byte)c);
            else if (c == 'U') bytes.Add((byte)'_');
            else if (c == 'X' && i + 2 < fhirId.Length && IsUpperHex(fhirId[i + 1]) && IsUpperHex(fhirId[i + 2])
                && byte.TryParse(fhirId.AsSpan(i + 1, 2), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var x))
            {
                bytes.Add(x);
                i += 2;
            }
            else return null;
        }
        try
        {
            return new UTF8Encoding(false, true).GetString([.. bytes]);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>True when <paramref name="id"/> is a valid FHIR id.</summary>
    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);

    /// <summary>
    /// A FHIR id of <paramref name="prefix"/> and a HealthLedger id that stays within 64 characters: <c>{prefix}{Of(id)}</c>,
    /// or, when that is longer, its first characters and 16 hex digits of the id's SHA-256 (not reversible: such ids are
    /// found by computing the id of each candidate).
    /// </summary>
    public static string Prefixed(string prefix, string ledgerId)
    {
        var id = prefix + Of(ledgerId);
        if (id.Length <= MaxLength) return id;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ledgerId)))[..16];
        return id[..(MaxLength - 17)] + "-" + hash;
    }

    private static bool IsKept(char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.';

    private static bool IsUpperHex(char c) => char.IsAsciiDigit(c) || c is >= 'A' and <= 'F';

    private static bool IsPlain(string id) => id.Length > 0 && id.All(IsKept);

    [GeneratedRegex("^[A-Za-z0-9\\-\\.]{1,64}$")]
    private static partial Regex Pattern();
}
