using Microsoft.Playwright;

namespace HealthLedger.Browser.Tests;

/// <summary>Issue 12, item 2 in a real browser: the admin keeps the ward list, the entry form offers free beds, a held bed is refused at its field.</summary>
public class WardsTests
{
    [Fact]
    public async Task An_admin_lists_wards_and_the_entry_form_offers_only_free_beds()
    {
        await using var node = await BrowserNode.StartAsync();
        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);
        await admin.RegisterDoctorAsync("dr-bed", "Ben Bed", "Medicine");
        var (first, _) = await admin.RegisterPatientAsync("MRN-7001", "Ann First");
        var (second, _) = await admin.RegisterPatientAsync("MRN-7002", "Bo Second");

        await admin.GotoAsync("/wards");
        await admin.GetByTestId("wards-text").FillAsync("ICU: ICU-1, ICU-2");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save ward list" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("Ward list saved (version 1)");

        async Task AdmitAsync(string patient, string bed)
        {
            await admin.GotoAsync($"/patients/{patient}/entries/new");
            await admin.GetByLabel("Type *").SelectOptionAsync("admission");
            await admin.GetByLabel("Attending doctor").SelectOptionAsync("dr-bed");
            await admin.GetByLabel("Ward").FillAsync("ICU");
            await admin.GetByLabel("Bed").FillAsync(bed);
            await admin.GetByLabel("Reason").FillAsync("Observation");
            await admin.GetByRole(AriaRole.Button, new() { Name = "Save entry" }).ClickAsync();
        }

        await admin.GotoAsync($"/patients/{first}/entries/new");
        await Assertions.Expect(admin.GetByTestId("free-beds")).ToContainTextAsync("ICU: ICU-1, ICU-2");
        await Assertions.Expect(admin.Locator("label[for='Input_OccurredAt']")).ToContainTextAsync("(UTC)");
        await AdmitAsync(first, "ICU-1");
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("Entry saved.");

        await admin.GotoAsync($"/patients/{second}/entries/new");
        await Assertions.Expect(admin.GetByTestId("free-beds")).ToHaveTextAsync("Free beds: ICU: ICU-2");
        await AdmitAsync(second, "ICU-1");
        await Assertions.Expect(admin.Locator("[data-valmsg-for='Input.Bed']")).ToContainTextAsync("occupied");

        await admin.GotoAsync("/wards");
        await Assertions.Expect(admin.GetByTestId("wards")).ToContainTextAsync("ICU-1 (occupied)");
        await admin.GetByTestId("wards-text").FillAsync("ICU: ICU-2");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save ward list" }).ClickAsync();
        await Assertions.Expect(admin.Locator("[data-valmsg-for='Text']")).ToContainTextAsync("Occupied beds cannot be removed: ICU ICU-1");
    }
}
