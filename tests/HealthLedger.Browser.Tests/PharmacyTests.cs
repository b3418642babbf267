using System.Globalization;
using Microsoft.Playwright;

namespace HealthLedger.Browser.Tests;

/// <summary>
/// The pharmacy's acceptance path in a real browser: a doctor prescribes amoxicillin for a patient recorded as allergic to
/// penicillin → warned → overrides with a reason → the pharmacist dispenses from the earliest-expiring batch → stock and
/// account change → the low-stock alert appears at the reorder level.
/// </summary>
public class PharmacyTests
{
    private static string InDays(int days) => DateTime.UtcNow.Date.AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_penicillin_allergic_patient_gets_amoxicillin_only_with_an_override_and_the_pharmacist_dispenses_first_expiry_first()
    {
        await using var node = await BrowserNode.StartAsync();
        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);

        // Admin: a doctor, a pharmacist (one-time password), a patient allergic to penicillin, admitted under the doctor.
        var doctorOtp = await admin.RegisterDoctorAsync("dr-amox", "Ann Amox", "Medicine");
        await admin.GotoAsync("/staff");
        await admin.GetByLabel("User id *").FillAsync("ph-pat");
        await admin.GetByLabel("Role *").SelectOptionAsync("pharmacist");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();
        var pharmacistOtp = await admin.GetByTestId("otp").InnerTextAsync();
        await Assertions.Expect(admin.GetByTestId("staff")).ToContainTextAsync("pharmacist");

        await admin.GotoAsync("/patients/register");
        await admin.GetByLabel("MRN (hospital number) *").FillAsync("MRN-7001");
        await admin.GetByLabel("Full name *").FillAsync("Pia Penicillin");
        await admin.GetByLabel("Date of birth *").FillAsync("1980-02-02");
        await admin.GetByLabel("Gender *").SelectOptionAsync("female");
        await admin.GetByLabel("Allergies").FillAsync("Penicillin (hives)");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Register patient" }).ClickAsync();
        var patientId = await admin.GetByTestId("new-user").InnerTextAsync();
        await admin.GotoAsync($"/patients/{patientId}/entries/new");
        await admin.GetByLabel("Type *").SelectOptionAsync("admission");
        await admin.GetByLabel("Attending doctor").SelectOptionAsync("dr-amox");
        await admin.GetByLabel("Ward").FillAsync("W2");
        await admin.GetByLabel("Bed").FillAsync("4");
        await admin.GetByLabel("Reason").FillAsync("Cellulitis");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save entry" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("encounters")).ToContainTextAsync("Ward W2, bed 4");

        // Pharmacist: amoxicillin in the formulary (reorder level 10) and two batches, the later one received first.
        var pharmacist = await ReportsAndConsentTests.FirstLoginAsync(node, "ph-pat", pharmacistOtp, "pharmacist-secret-pw");
        await pharmacist.GotoAsync("/pharmacy/stock");
        await pharmacist.GetByLabel("Name *").FillAsync("Amoxicillin");
        await pharmacist.GetByLabel("Strength *").FillAsync("500 mg");
        await pharmacist.GetByLabel("Form *").SelectOptionAsync("capsule");
        await pharmacist.GetByLabel("ATC code").FillAsync("J01CA04");
        await pharmacist.GetByLabel("Unit price *").FillAsync("2.50");
        await pharmacist.GetByLabel("Reorder level (units) *").FillAsync("10");
        await pharmacist.GetByRole(AriaRole.Button, new() { Name = "Add to the formulary" }).ClickAsync();
        await Assertions.Expect(pharmacist.GetByRole(AriaRole.Status)).ToContainTextAsync("Amoxicillin 500 mg capsule added to the formulary");
        foreach (var (lot, units, days) in new[] { ("LOT-LATE", "20", 300), ("LOT-EARLY", "8", 40) })
        {
            await pharmacist.GetByLabel("Drug *").SelectOptionAsync(new SelectOptionValue { Label = "Amoxicillin 500 mg capsule" });
            await pharmacist.GetByLabel("Units *").FillAsync(units);
            await pharmacist.GetByLabel("Expires on *").FillAsync(InDays(days));
            await pharmacist.GetByLabel("Supplier *").FillAsync("MedSupply Ltd");
            await pharmacist.GetByLabel("Lot number *").FillAsync(lot);
            await pharmacist.GetByRole(AriaRole.Button, new() { Name = "Receive" }).ClickAsync();
            await Assertions.Expect(pharmacist.GetByRole(AriaRole.Status)).ToContainTextAsync($"of lot {lot} received");
        }
        await Assertions.Expect(pharmacist.GetByTestId("available")).ToHaveTextAsync("28");

        // Doctor: prescribes amoxicillin, is warned about the penicillin allergy, overrides with a reason.
        var doctor = await ReportsAndConsentTests.FirstLoginAsync(node, "dr-amox", doctorOtp, "doctor-secret-pw");
        await doctor.GotoAsync($"/patients/{patientId}");
        await doctor.GetByRole(AriaRole.Link, new() { Name = "Medication" }).ClickAsync();
        await Assertions.Expect(doctor.GetByTestId("allergies")).ToHaveTextAsync("Penicillin (hives)");
        await doctor.GetByLabel("Drug *").SelectOptionAsync(new SelectOptionValue { Label = "Amoxicillin 500 mg capsule (J01CA04) — 28 available" });
        await doctor.GetByLabel("Dose *").FillAsync("500 mg");
        await doctor.GetByLabel("Frequency *").FillAsync("three times a day");
        await doctor.GetByLabel("Duration (days) *").FillAsync("7");
        await doctor.GetByLabel("Quantity per supply (units) *").FillAsync("21");
        await doctor.GetByRole(AriaRole.Button, new() { Name = "Prescribe" }).ClickAsync();
        await Assertions.Expect(doctor.GetByTestId("allergy-warning")).ToContainTextAsync("penicillin");
        await Assertions.Expect(doctor.GetByTestId("allergy-warning")).ToContainTextAsync("J01CA04");
        await Assertions.Expect(doctor.GetByTestId("medication")).ToContainTextAsync("No prescriptions yet.");
        await doctor.GetByLabel("Allergy override reason (only after a warning)").FillAsync("Rash only, no anaphylaxis; tolerated amoxicillin in 2022.");
        await doctor.GetByRole(AriaRole.Button, new() { Name = "Prescribe" }).ClickAsync();
        await Assertions.Expect(doctor.GetByRole(AriaRole.Status)).ToContainTextAsync("Prescription of Amoxicillin 500 mg capsule recorded.");
        await Assertions.Expect(doctor.GetByTestId("medication")).ToContainTextAsync("Allergy override: Rash only");

        // Pharmacist: the worklist shows it; dispensing 18 takes the 8 of the earliest-expiring batch first, then 10 of the later.
        await pharmacist.GotoAsync("/pharmacy");
        await Assertions.Expect(pharmacist.GetByTestId("worklist")).ToContainTextAsync("Pia Penicillin");
        await pharmacist.GetByRole(AriaRole.Link, new() { Name = "Dispense" }).ClickAsync();
        await pharmacist.GetByLabel("Units *").FillAsync("18");
        await pharmacist.GetByRole(AriaRole.Button, new() { Name = "Dispense and charge" }).ClickAsync();
        await Assertions.Expect(pharmacist.GetByRole(AriaRole.Status)).ToContainTextAsync("45.00 charged to the account");
        await Assertions.Expect(pharmacist.GetByTestId("dispenses")).ToContainTextAsync("8 from LOT-EARLY, 10 from LOT-LATE");
        await Assertions.Expect(pharmacist.GetByTestId("remaining")).ToHaveTextAsync("3");

        // Dispensing more than remains is refused at the units field; nothing is dispensed.
        await pharmacist.GetByLabel("Units *").FillAsync("4");
        await pharmacist.GetByRole(AriaRole.Button, new() { Name = "Dispense and charge" }).ClickAsync();
        await Assertions.Expect(pharmacist.GetByRole(AriaRole.Alert)).ToContainTextAsync("more than was prescribed");
        await Assertions.Expect(pharmacist.Locator("[data-valmsg-for='Input.Quantity']")).ToContainTextAsync("Only 3 of 21 prescribed units");
        await Assertions.Expect(pharmacist.GetByTestId("remaining")).ToHaveTextAsync("3");
        await Assertions.Expect(pharmacist.GetByTestId("dispenses").Locator("tbody tr")).ToHaveCountAsync(1);

        // Stock fell to 10 = the reorder level: the low-stock alert is shown; the account carries the charge.
        await pharmacist.GotoAsync("/pharmacy/stock");
        await Assertions.Expect(pharmacist.GetByTestId("available")).ToHaveTextAsync("10 (low)");
        await Assertions.Expect(pharmacist.GetByTestId("alerts").Locator("[data-kind='low-stock']")).ToContainTextAsync("at or below the reorder level of 10");
        await admin.GotoAsync($"/patients/{patientId}/account");
        await Assertions.Expect(admin.Locator("main")).ToContainTextAsync("Pharmacy: Amoxicillin 500 mg capsule");
        await Assertions.Expect(admin.Locator("main")).ToContainTextAsync("45.00");
    }
}
