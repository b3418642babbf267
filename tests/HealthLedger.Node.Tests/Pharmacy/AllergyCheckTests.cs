using HealthLedger.Node.Pharmacy;

namespace HealthLedger.Node.Tests.Pharmacy;

/// <summary>The allergy check goes by ATC drug class, not by matching drug names.</summary>
public class AllergyCheckTests
{
    private static DrugDetails Drug(string name, string atc) => new() { Name = name, Strength = "1 unit", Form = "tablet", AtcCode = atc };

    [Theory]
    [InlineData("Penicillin (rash, 2019)", "Amoxicillin", "J01CA04", "penicillins")]
    [InlineData("penicillins; latex", "Flucloxacillin", "J01CF05", "penicillins")]
    [InlineData("Beta-lactam antibiotics", "Ceftriaxone", "J01DD04", "beta-lactams")]
    [InlineData("Sulfa drugs", "Co-trimoxazole", "J01EE01", "sulfonamides")]
    [InlineData("Aspirin – bronchospasm", "Ibuprofen", "M01AE01", "NSAIDs")]
    [InlineData("codeine", "Morphine sulfate", "N02AA01", "opioids")]
    public void A_recorded_allergy_warns_for_every_drug_of_its_class(string allergies, string name, string atc, string drugClass)
    {
        var warning = Assert.Single(AllergyCheck.Warnings(allergies, Drug(name, atc)), w => w.Contains(drugClass, StringComparison.Ordinal));
        Assert.Contains(atc, warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Penicillin", "Paracetamol", "N02BE01")]
    [InlineData("Peanuts; shellfish", "Amoxicillin", "J01CA04")]
    [InlineData("NKDA", "Amoxicillin", "J01CA04")]
    [InlineData("", "Amoxicillin", "J01CA04")]
    [InlineData("penicillinase-resistant? no: pencil shavings", "Amoxicillin", "J01CA04")]
    public void Other_allergies_and_none_give_no_warning(string allergies, string name, string atc) =>
        Assert.Empty(AllergyCheck.Warnings(allergies, Drug(name, atc)));

    [Fact]
    public void A_drug_without_an_atc_code_is_checked_by_its_own_name_only()
    {
        Assert.Single(AllergyCheck.Warnings("Allergic to Zopiclone", Drug("Zopiclone", "")));
        Assert.Empty(AllergyCheck.Warnings("Penicillin", Drug("Amoxicillin", "")));
    }
}
