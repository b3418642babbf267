using System.Text.RegularExpressions;

namespace HealthLedger.Node.Pharmacy;

/// <summary>
/// Checks a drug against a patient's recorded allergies (free text in the demographics, e.g. "Penicillin (rash); latex")
/// with a small drug-class table keyed by WHO ATC code prefixes, so that "penicillin" catches amoxicillin (J01CA04) without
/// matching names. A class term found in the allergy text (as a word, plural allowed) warns for every drug whose ATC code
/// starts with one of the class's prefixes; the drug's own name in the text always warns. A drug without an ATC code is
/// checked by name only. The table is deliberately small and documented in docs/architecture.md; it is a prompt for the
/// prescriber, who can override with a reason, not a complete interaction database.
/// </summary>
public static class AllergyCheck
{
    /// <summary>An allergy class: the words that name it in allergy notes, the ATC prefixes it covers, and what to call it.</summary>
    public sealed record DrugClass(string Name, IReadOnlyList<string> Terms, IReadOnlyList<string> AtcPrefixes);

    /// <summary>The table (ATC 2024): class, terms, ATC prefixes.</summary>
    public static readonly IReadOnlyList<DrugClass> Classes =
    [
        new("penicillins", ["penicillin", "amoxicillin", "ampicillin", "flucloxacillin", "piperacillin", "benzylpenicillin"], ["J01C"]),
        new("beta-lactams", ["beta-lactam", "beta lactam", "betalactam"], ["J01C", "J01D"]),
        new("cephalosporins", ["cephalosporin", "cefalexin", "cephalexin", "ceftriaxone", "cefuroxime", "cefazolin"], ["J01DB", "J01DC", "J01DD", "J01DE"]),
        new("carbapenems", ["carbapenem", "meropenem", "imipenem"], ["J01DH"]),
        new("sulfonamides", ["sulfonamide", "sulphonamide", "sulfa", "sulpha", "co-trimoxazole", "cotrimoxazole"], ["J01E"]),
        new("macrolides", ["macrolide", "erythromycin", "clarithromycin", "azithromycin"], ["J01FA"]),
        new("tetracyclines", ["tetracycline", "doxycycline"], ["J01A"]),
        new("quinolones", ["quinolone", "fluoroquinolone", "ciprofloxacin", "levofloxacin"], ["J01M"]),
        new("NSAIDs", ["nsaid", "ibuprofen", "diclofenac", "naproxen", "aspirin", "salicylate"], ["M01A", "N02BA"]),
        new("opioids", ["opioid", "opiate", "morphine", "codeine", "tramadol"], ["N02A"]),
        new("ACE inhibitors", ["ace inhibitor", "lisinopril", "enalapril", "ramipril"], ["C09A", "C09B"]),
        new("statins", ["statin", "atorvastatin", "simvastatin"], ["C10AA"]),
        new("heparins", ["heparin"], ["B01AB"]),
        new("iodinated contrast", ["iodine", "contrast"], ["V08A"]),
    ];

    /// <summary>
    /// The warnings for prescribing <paramref name="drug"/> to a patient whose allergies read <paramref name="allergies"/>;
    /// empty when none apply (or nothing is recorded).
    /// </summary>
    public static IReadOnlyList<string> Warnings(string allergies, DrugDetails drug)
    {
        var text = allergies.ToLowerInvariant();
        if (text.Trim().Length == 0 || text.Trim() is "none" or "nkda" or "no known allergies") return [];
        var warnings = new List<string>();
        var atc = drug.AtcCode.ToUpperInvariant();
        foreach (var drugClass in Classes)
        {
            var term = drugClass.Terms.FirstOrDefault(t => Mentions(text, t));
            if (term is null || atc.Length == 0) continue;
            var prefix = drugClass.AtcPrefixes.FirstOrDefault(p => atc.StartsWith(p, StringComparison.Ordinal));
            if (prefix is not null)
            {
                warnings.Add($"Recorded allergy \"{term}\": {drug.Label} ({atc}) is one of the {drugClass.Name} (ATC {prefix}).");
            }
        }
        if (warnings.Count == 0 && drug.Name.Length > 0 && Mentions(text, drug.Name.ToLowerInvariant()))
        {
            warnings.Add($"Recorded allergy \"{drug.Name}\": the patient is recorded as allergic to this drug.");
        }
        return warnings;
    }

    private static bool Mentions(string text, string term) =>
        Regex.IsMatch(text, $@"(?<![a-z]){Regex.Escape(term)}s?(?![a-z])", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
}
