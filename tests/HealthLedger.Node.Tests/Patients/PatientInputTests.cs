using System.Security.Cryptography;
using HealthLedger.Core.Records;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Tests.Patients;

/// <summary>The medication history (as reported) of the demographics: validated like the Conditions list, sealed with the rest.</summary>
public class PatientInputTests
{
    private static readonly DateOnly Today = new(2026, 12, 1);

    private static PatientInput Input(List<string>? medications) => new()
    {
        Mrn = "MRN-1",
        FullName = "Jane Roe",
        DateOfBirth = new DateOnly(1980, 2, 29),
        Gender = "female",
        Conditions = ["Asthma"],
        Medications = medications,
    };

    [Fact]
    public void Medications_are_trimmed_deduplicated_ignoring_case_and_empty_items_dropped()
    {
        var (details, errors) = Input(["  Amoxicillin 250 MG Oral Capsule ", "", "amoxicillin 250 mg oral capsule", "Metformin 500 MG Oral Tablet"]).Validate(Today);
        Assert.True(errors.IsEmpty);
        Assert.Equal(["Amoxicillin 250 MG Oral Capsule", "Metformin 500 MG Oral Tablet"], details!.Medications);
        Assert.Empty(Input(null).Validate(Today).Details!.Medications);
    }

    [Fact]
    public void Too_many_too_long_or_invisible_characters_are_field_errors()
    {
        var tooMany = Enumerable.Range(1, PatientInput.MaxMedications + 1).Select(i => $"Drug {i}").ToList();
        var (none, errors) = Input(tooMany).Validate(Today);
        Assert.Null(none);
        Assert.Equal(["medications"], errors.ToDictionary().Keys);

        (none, errors) = Input(["Aspirin", new string('x', PatientInput.MaxMedicationLength + 1)]).Validate(Today);
        Assert.Null(none);
        Assert.Equal(["medications[1]"], errors.ToDictionary().Keys);
        Assert.Contains("at most 200 characters", errors.ToDictionary()["medications[1]"].Single());

        (none, errors) = Input(["Asp\u200Birin"]).Validate(Today);
        Assert.Null(none);
        Assert.Equal(["medications[0]"], errors.ToDictionary().Keys);
    }

    [Fact]
    public void The_form_text_is_one_medication_per_line_and_keeps_commas()
    {
        var input = new PatientInput { MedicationsText = "Hydrocodone 5 MG, Acetaminophen 325 MG Oral Tablet\r\n\n Aspirin 81 MG " };
        Assert.Equal(["Hydrocodone 5 MG, Acetaminophen 325 MG Oral Tablet", "Aspirin 81 MG"], input.Medications);
        Assert.Equal("Hydrocodone 5 MG, Acetaminophen 325 MG Oral Tablet\nAspirin 81 MG", input.MedicationsText);
    }

    [Fact]
    public void A_record_sealed_before_the_field_existed_opens_with_no_medications_and_a_new_one_keeps_them()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        static CategoryKeyWrap Wrap(byte[] _) => new("pt-1", ConsentCategories.Demographics, 1, new byte[48], []);
        var old = new
        {
            mrn = "MRN-1",
            fullName = "Jane Roe",
            dateOfBirth = "1980-02-29",
            gender = "female",
            phone = "",
            email = "",
            address = "",
            conditions = new[] { "Asthma" },
            emergencyContact = "",
            bloodGroup = "unknown",
            allergies = "Penicillin",
        };
        var (oldRef, oldCipher) = RecordSealer.SealUnder("pt-1", 1, old, key, Wrap);
        var opened = RecordSealer.Decrypt<PatientDetails>("pt-1", 1, oldRef, oldCipher, key);
        Assert.NotNull(opened);
        Assert.Equal(["Asthma"], opened.Conditions);
        Assert.Equal("Penicillin", opened.Allergies);
        Assert.Empty(opened.Medications);

        var current = Input(["Amoxicillin 250 MG Oral Capsule"]).Validate(Today).Details!;
        var (newRef, newCipher) = RecordSealer.SealUnder("pt-1", 2, current, key, Wrap);
        Assert.Equal(["Amoxicillin 250 MG Oral Capsule"], RecordSealer.Decrypt<PatientDetails>("pt-1", 2, newRef, newCipher, key)!.Medications);
    }
}
