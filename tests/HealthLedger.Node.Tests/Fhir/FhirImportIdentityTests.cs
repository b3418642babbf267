using HealthLedger.Node.Fhir.Import;
using HealthLedger.Node.Patients;

namespace HealthLedger.Node.Tests.Fhir;

/// <summary>
/// An imported patient is the registered one only when the person matches, not just the MRN: a break-it pass attached a
/// stranger's condition to a registered patient because another system's MRN collided with hers.
/// </summary>
public class FhirImportIdentityTests
{
    private static PatientDetails Person(string name, string born) => new() { Mrn = "MRN-001", FullName = name, DateOfBirth = DateOnly.Parse(born, System.Globalization.CultureInfo.InvariantCulture) };

    [Theory]
    [InlineData("Ana María López", "1980-04-01", "Ana Maria Lopez", "1980-04-01")]
    [InlineData("Ana María López", "1980-04-01", "ANA LÓPEZ", "1980-04-01")]
    [InlineData("Ana López", "1980-04-01", "Ana  María López", "1980-04-01")]
    public void The_same_person_is_found_again_despite_accents_case_and_a_middle_name(string registered, string registeredBorn, string imported, string importedBorn) =>
        Assert.True(FhirImporter.SamePerson(Person(registered, registeredBorn), Person(imported, importedBorn)));

    [Theory]
    [InlineData("Ana López", "1980-04-01", "Totally Stranger", "2001-01-01")]
    [InlineData("Ana López", "1980-04-01", "Ana López", "1980-04-02")]
    [InlineData("Ana López", "1980-04-01", "Ana Lopes", "1980-04-01")]
    [InlineData("Ana López", "1980-04-01", "", "1980-04-01")]
    public void A_different_person_under_the_same_mrn_is_not_the_registered_patient(string registered, string registeredBorn, string imported, string importedBorn) =>
        Assert.False(FhirImporter.SamePerson(Person(registered, registeredBorn), Person(imported, importedBorn)));
}
