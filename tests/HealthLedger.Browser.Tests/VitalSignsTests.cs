using Microsoft.Playwright;

namespace HealthLedger.Browser.Tests;

/// <summary>The vital-signs module in a real browser: an admin records a set, an impossible value is refused next to its field.</summary>
public class VitalSignsTests
{
    [Fact]
    public async Task An_admin_records_vital_signs_from_the_patient_page_and_an_impossible_value_is_refused_at_its_field()
    {
        await using var node = await BrowserNode.StartAsync();
        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);
        var (patient, _) = await admin.RegisterPatientAsync("MRN-6001", "Vic Vitals");
        await admin.GotoAsync($"/patients/{patient}");
        await admin.GetByRole(AriaRole.Link, new() { Name = "Vital signs" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("vital-signs")).ToContainTextAsync("No vital signs recorded yet.");

        await admin.GetByLabel("Heart rate (/min)").FillAsync("400");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save vital signs" }).ClickAsync();
        await Assertions.Expect(admin.Locator("[data-valmsg-for='Input.HeartRate']")).ToContainTextAsync("Must be from 20 to 250");
        await Assertions.Expect(admin.GetByTestId("vital-signs")).ToContainTextAsync("No vital signs recorded yet.");

        await admin.GetByLabel("Heart rate (/min)").FillAsync("88");
        await admin.GetByLabel("Systolic (mm Hg)").FillAsync("121");
        await admin.GetByLabel("Diastolic (mm Hg)").FillAsync("79");
        await admin.GetByLabel("Temperature (°C)").FillAsync("37.2");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save vital signs" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("Vital signs recorded.");
        var row = admin.GetByTestId("vital-signs").Locator("tbody tr").First;
        await Assertions.Expect(row).ToContainTextAsync("121/79 mm Hg");
        await Assertions.Expect(row).ToContainTextAsync("88 /min");
        await Assertions.Expect(row).ToContainTextAsync("37.2 °C");
    }
}
