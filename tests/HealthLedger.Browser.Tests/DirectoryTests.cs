using HealthLedger.Core.Model;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Ledger;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace HealthLedger.Browser.Tests;

/// <summary>
/// Issue 13, the cross-organisation directory in a real browser: two organisations founded together, a doctor registered at
/// each one's own node; General Hospital's admin opens Directory from the nav and sees both organisations (type, contact,
/// status) and both doctors with their organisation and on-call state, then filters by organisation and by specialty. A
/// patient is refused the page.
/// </summary>
public class DirectoryTests
{
    [Fact]
    public async Task Staff_see_every_member_organisation_and_their_doctors_and_filter_by_organisation_and_specialty()
    {
        await using var node = await BrowserNode.StartConsortiumAsync([
            new FoundingOrganisation("General Hospital", OrganisationType.Hospital, "+44 20 7946 0001"),
            new FoundingOrganisation("St Mary Hospital", OrganisationType.Hospital, "+44 20 7946 0002")]);

        var general = await node.NewPageAsync();
        await general.LoginAsync("admin.general-hospital", BrowserNode.AdminPassword);
        await general.RegisterDoctorAsync("dr-gina", "Gina General", "Pathology");
        var stMary = await node.NewPageAsync(node.OtherUrls[0]);
        await stMary.LoginAsync("admin.st-mary-hospital", BrowserNode.AdminPassword);
        await stMary.RegisterDoctorAsync("dr-sam", "Sam St Mary", "Cardiology", onCall: true);
        var ledger = node.App.Services.GetRequiredService<LedgerNode>();
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            wait.CancelAfter(TimeSpan.FromSeconds(60));
            while (ledger.GetState(StateKeys.Doctor("dr-sam")) is null) await Task.Delay(50, wait.Token); // St Mary's registration reaches General Hospital's node
            // and its read models (the directory page's), which follow the state in the block's commit handlers.
            var registered = ledger.Tip.Height;
            while (ledger.AppliedHeight < registered) await Task.Delay(50, wait.Token);
        }

        await general.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Directory" }).ClickAsync();
        await Assertions.Expect(general.GetByRole(AriaRole.Heading, new() { Name = "Consortium directory", Level = 1 })).ToBeVisibleAsync();
        var organisations = general.GetByTestId("organisations");
        await Assertions.Expect(organisations.Locator("tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(organisations.Locator("[data-org='st-mary-hospital']")).ToContainTextAsync("St Mary Hospital");
        await Assertions.Expect(organisations.Locator("[data-org='st-mary-hospital']")).ToContainTextAsync("hospital");
        await Assertions.Expect(organisations.Locator("[data-org='st-mary-hospital']")).ToContainTextAsync("+44 20 7946 0002");
        await Assertions.Expect(organisations.Locator("[data-org='st-mary-hospital']")).ToContainTextAsync("active");

        var doctors = general.GetByTestId("directory-doctors");
        await Assertions.Expect(doctors.Locator("tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(doctors.Locator("[data-doctor='dr-sam']")).ToContainTextAsync("Cardiology");
        await Assertions.Expect(doctors.Locator("[data-doctor='dr-sam']")).ToContainTextAsync("St Mary Hospital");
        await Assertions.Expect(doctors.Locator("[data-doctor='dr-sam']")).ToContainTextAsync("on call");
        await Assertions.Expect(doctors.Locator("[data-doctor='dr-gina']")).ToContainTextAsync("General Hospital");
        await general.ShotAsync("directory");

        await general.GetByLabel("Organisation", new() { Exact = true }).SelectOptionAsync("st-mary-hospital");
        await general.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(doctors.Locator("tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(doctors.Locator("[data-doctor='dr-sam']")).ToBeVisibleAsync();

        await general.GotoAsync("/directory");
        await general.GetByLabel("Specialty").SelectOptionAsync("Pathology");
        await general.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(doctors.Locator("tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(doctors.Locator("[data-doctor='dr-gina']")).ToContainTextAsync("Gina General");

        await general.GetByLabel("Organisation", new() { Exact = true }).SelectOptionAsync("st-mary-hospital");
        await general.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(general.GetByTestId("doctor-count")).ToHaveTextAsync("0 doctor(s)");

        // A patient's nav has no Directory, and the page refuses them.
        var (patientId, otp) = await general.RegisterPatientAsync("GH-DIR-1", "Pat Directory");
        var patient = await node.NewPageAsync();
        await patient.LoginAsync(patientId, otp);
        await patient.GetByLabel("Current (or one-time) password").FillAsync(otp);
        await patient.GetByLabel("New password", new() { Exact = true }).FillAsync("a-fresh-strong-password");
        await patient.GetByLabel("Repeat the new password").FillAsync("a-fresh-strong-password");
        await patient.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Assertions.Expect(patient.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Sharing" })).ToBeVisibleAsync();
        await Assertions.Expect(patient.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Directory" })).ToHaveCountAsync(0);
        var refused = await patient.GotoAsync("/directory");
        Assert.Equal(403, refused!.Status);
    }
}
