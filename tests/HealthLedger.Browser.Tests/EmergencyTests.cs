using HealthLedger.Core.Emergencies;
using HealthLedger.Core.Model;
using HealthLedger.Node.Emergencies;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace HealthLedger.Browser.Tests;

/// <summary>
/// Issue 14 in a real browser, four organisations' nodes in this process: General Hospital declares an earthquake for its
/// patients admitting Red Cross (field errors first), St Mary approves it on the Consortium page (2 of 4), the banner shows;
/// Red Cross's admin registers a medic, who finds the patient (tagged with the emergency's area on the patient page) by name
/// and date of birth, is refused without a justification, justifies and
/// reads the emergency summary at Red Cross's node; the patient sees the break-glass banner and the access on the sharing
/// page and acknowledges it; General's admin reviews the access in the queue.
/// </summary>
public class EmergencyTests
{
    private static async Task WaitAsync(string what, Func<bool> done)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        wait.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            while (!done()) await Task.Delay(50, wait.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            Assert.Fail($"Timed out waiting until {what}.");
        }
    }

    private static LedgerNode Ledger(WebApplication app) => app.Services.GetRequiredService<LedgerNode>();

    [Fact]
    public async Task An_emergency_is_declared_and_approved_a_medic_breaks_the_glass_the_patient_is_told_and_the_custodian_reviews()
    {
        await using var node = await BrowserNode.StartConsortiumAsync([
            new FoundingOrganisation("General Hospital", OrganisationType.Hospital, "+44 20 7946 0001"),
            new FoundingOrganisation("St Mary Hospital", OrganisationType.Hospital, "+44 20 7946 0002"),
            new FoundingOrganisation("City Clinic", OrganisationType.Clinic, "+44 20 7946 0003"),
            new FoundingOrganisation("Red Cross", OrganisationType.Rescuer, "+44 20 7946 0999")]);
        var redCrossApp = node.Others[2];

        var general = await node.NewPageAsync();
        await general.LoginAsync("admin.general-hospital", BrowserNode.AdminPassword);
        var (patientId, patientOtp) = await general.RegisterPatientAsync("GH-1001", "Ada Quake", "Asthma");

        // The admin tags the patient with a site code on the patient's page (an address is refused).
        await general.GotoAsync($"/patients/{patientId}");
        await general.GetByLabel("Area (site code)").FillAsync("North district");
        await general.GetByRole(AriaRole.Button, new() { Name = "Save area" }).ClickAsync();
        await Assertions.Expect(general.Locator("[data-valmsg-for='AreaInput']")).ToContainTextAsync("site code");
        await general.GetByLabel("Area (site code)").FillAsync("north-campus");
        await general.GetByRole(AriaRole.Button, new() { Name = "Save area" }).ClickAsync();
        await Assertions.Expect(general.GetByRole(AriaRole.Status)).ToContainTextAsync("north-campus");
        await Assertions.Expect(general.GetByTestId("area")).ToHaveTextAsync("north-campus");

        // The declaration form names its faults, then proposes (2 of 4 organisations must approve).
        await general.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Emergencies" }).ClickAsync();
        await Assertions.Expect(general.GetByTestId("no-emergencies")).ToBeVisibleAsync();
        await general.GetByRole(AriaRole.Button, new() { Name = "Propose declaration" }).ClickAsync();
        await Assertions.Expect(general.GetByTestId("form-error")).ToContainTextAsync("Please correct the fields");
        await Assertions.Expect(general.Locator("[data-valmsg-for='Input.Title']")).ToContainTextAsync("title");
        await Assertions.Expect(general.Locator("[data-valmsg-for='Input.Scope']")).ToContainTextAsync("at least one organisation");
        await Assertions.Expect(general.Locator("[data-valmsg-for='Input.Rescuers']")).ToContainTextAsync("rescuer");
        await Assertions.Expect(general.Locator("[data-valmsg-for='Input.EndsAt']")).ToContainTextAsync("required");
        var time = node.App.Services.GetRequiredService<HospitalTime>();
        await general.GetByLabel("What happened *").FillAsync("Earthquake");
        await general.GetByLabel("Area (site code)").FillAsync("north-campus");
        await general.GetByTestId("declare-form").Locator("input[name='Input.Scope'][value='general-hospital']").CheckAsync();
        await general.GetByTestId("declare-form").Locator("input[name='Input.Rescuers'][value='red-cross']").CheckAsync();
        await general.GetByLabel("Ends at *").FillAsync(time.FormValue(time.Now.AddHours(-1)));
        await general.GetByRole(AriaRole.Button, new() { Name = "Propose declaration" }).ClickAsync();
        await Assertions.Expect(general.Locator("[data-valmsg-for='Input.EndsAt']")).ToContainTextAsync("already past");
        await general.GetByLabel("Ends at *").FillAsync(time.FormValue(time.Now.AddHours(48)));
        await general.GetByRole(AriaRole.Button, new() { Name = "Propose declaration" }).ClickAsync();
        await Assertions.Expect(general.GetByRole(AriaRole.Status)).ToContainTextAsync("is open");
        await Assertions.Expect(general.GetByTestId("emergency-banner")).ToHaveCountAsync(0);
        var proposalId = Ledger(node.App).ScanState("proposal/").Select(p => p.Key["proposal/".Length..]).Single(k => k.StartsWith("declare-", StringComparison.Ordinal));
        var emergencyId = proposalId["declare-".Length..];

        // St Mary's admin approves it on the Consortium page at St Mary's node: 2 of 4, executed.
        var stMary = await node.NewPageAsync(node.OtherUrls[0]);
        await stMary.LoginAsync("admin.st-mary-hospital", BrowserNode.AdminPassword);
        await WaitAsync("the proposal reaches St Mary", () => Ledger(node.Others[0]).GetState("proposal/" + proposalId) is not null);
        await stMary.GotoAsync("/consortium");
        var row = stMary.Locator($"[data-proposal='{proposalId}']");
        await Assertions.Expect(row).ToContainTextAsync("1 of 2 approvals");
        await row.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Assertions.Expect(stMary.GetByRole(AriaRole.Status)).ToContainTextAsync("executed");
        await WaitAsync("General's node sees the emergency", () => node.App.Services.GetRequiredService<EmergencyService>().Get(emergencyId).IsOk);
        await general.GotoAsync("/emergencies");
        await Assertions.Expect(general.GetByTestId("emergency-banner")).ToContainTextAsync("Emergency: Earthquake");
        await Assertions.Expect(general.Locator($"[data-emergency='{emergencyId}']")).ToContainTextAsync("in force");
        await Assertions.Expect(general.Locator($"[data-emergency='{emergencyId}']")).ToContainTextAsync("Red Cross");

        // Red Cross's admin registers a medic at Red Cross's node.
        var redCross = await node.NewPageAsync(node.OtherUrls[2]);
        await redCross.LoginAsync("admin.red-cross", BrowserNode.AdminPassword);
        await WaitAsync("Red Cross's node sees the emergency", () => redCrossApp.Services.GetRequiredService<EmergencyService>().Get(emergencyId).IsOk);
        await redCross.GotoAsync("/emergencies");
        await Assertions.Expect(redCross.GetByTestId("emergency-banner")).ToContainTextAsync("Earthquake");
        await redCross.GetByLabel("Rescuer id (user name) *").FillAsync("medic-1");
        await redCross.GetByRole(AriaRole.Button, new() { Name = "Register rescuer" }).ClickAsync();
        var medicOtp = await redCross.GetByTestId("otp").InnerTextAsync();

        // The medic finds the patient by MRN through General's blind index, once General's node has wrapped the keys for Red Cross.
        await WaitAsync("the emergency keys reach Red Cross's node", () =>
            Ledger(redCrossApp).GetState(EmergencyKey.LookupKey(emergencyId, "red-cross", "general-hospital")) is not null
            && Ledger(redCrossApp).ScanState(EmergencyKey.Prefix(emergencyId, "red-cross", patientId)).Count > 0);
        var medic = await node.NewPageAsync(node.OtherUrls[2]);
        await medic.FirstLoginAsync("medic-1", medicOtp, "medic-own-secret-1");
        await medic.GotoAsync("/");
        await Assertions.Expect(medic.GetByRole(AriaRole.Heading, new() { Name = "Break the glass", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(medic.GetByTestId("emergency-banner")).ToContainTextAsync("Earthquake");
        await medic.GetByLabel("MRN").FillAsync("GH-9999");
        await medic.GetByLabel("Organisation *").SelectOptionAsync("general-hospital");
        await medic.GetByRole(AriaRole.Button, new() { Name = "Find patient" }).ClickAsync();
        await Assertions.Expect(medic.GetByTestId("form-error")).ToContainTextAsync("No patient");
        // ...and by name and date of birth (spacing and case do not matter) in the emergency's area.
        await medic.GetByLabel("MRN").FillAsync("");
        await medic.GetByLabel("Full name").FillAsync("  ada   QUAKE");
        await medic.GetByRole(AriaRole.Button, new() { Name = "Find patient" }).ClickAsync();
        await Assertions.Expect(medic.Locator("[data-valmsg-for='DateOfBirth']")).ToContainTextAsync("date of birth");
        await medic.GetByLabel("Date of birth").FillAsync("1975-06-15");
        await medic.GetByRole(AriaRole.Button, new() { Name = "Find patient" }).ClickAsync();
        await Assertions.Expect(medic.GetByTestId("match")).ToContainTextAsync(patientId);
        await Assertions.Expect(medic.GetByText("Ada Quake")).ToHaveCountAsync(0);
        // The form offers only what the emergency opens (the emergency summary, not the current medication or reports).
        await Assertions.Expect(medic.Locator("[data-category='demographics']")).ToBeVisibleAsync();
        await Assertions.Expect(medic.Locator("[data-category='reports']")).ToBeHiddenAsync();
        await Assertions.Expect(medic.Locator("[data-category='medication']")).ToBeHiddenAsync();
        // Or by the patient id printed on the patient's record printout or card: the same justify flow follows.
        await medic.GetByLabel("Patient id *").FillAsync("pt-nobody");
        await medic.GetByRole(AriaRole.Button, new() { Name = "Use this patient id" }).ClickAsync();
        await Assertions.Expect(medic.GetByTestId("form-error")).ToContainTextAsync("No patient has this patient id");
        await medic.GetByLabel("Patient id *").FillAsync(patientId);
        await medic.GetByRole(AriaRole.Button, new() { Name = "Use this patient id" }).ClickAsync();
        await Assertions.Expect(medic.GetByTestId("match")).ToContainTextAsync(patientId);
        await Assertions.Expect(medic.GetByTestId("match")).ToContainTextAsync("general-hospital");
        await medic.GetByLabel("Reason *").SelectOptionAsync("unconscious");
        await medic.GetByRole(AriaRole.Button, new() { Name = "Break the glass" }).ClickAsync();
        await Assertions.Expect(medic.Locator("[data-valmsg-for='Input.Justification']")).ToContainTextAsync("justification");
        await medic.GetByLabel("Justification *").FillAsync("Found unconscious under rubble, needs surgery");
        await medic.GetByRole(AriaRole.Button, new() { Name = "Break the glass" }).ClickAsync();
        await Assertions.Expect(medic.GetByRole(AriaRole.Heading, new() { Name = "Emergency summary", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(medic.GetByTestId("emergency-summary")).ToContainTextAsync("Ada Quake");
        await Assertions.Expect(medic.GetByTestId("emergency-summary")).ToContainTextAsync("Asthma");
        await medic.ShotAsync("break-glass-summary");

        // The patient, at General's node, is told on login and sees the access on the sharing page until acknowledging it.
        await WaitAsync("the access reaches General's node", () => Ledger(node.App).ScanState(BreakGlassState.PatientPrefix(patientId)).Count > 0);
        var patient = await node.NewPageAsync();
        await patient.FirstLoginAsync(patientId, patientOtp, "ada-own-secret-1");
        var notice = patient.GetByTestId("break-glass-notice");
        await Assertions.Expect(notice).ToContainTextAsync("Your record was opened in an emergency");
        await Assertions.Expect(notice).ToContainTextAsync("medic-1 (red-cross)");
        await Assertions.Expect(patient.GetByTestId("emergency-banner")).ToContainTextAsync("Earthquake");
        await notice.GetByRole(AriaRole.Link, new() { Name = "See the details" }).ClickAsync();
        var accesses = patient.GetByTestId("break-glass");
        await Assertions.Expect(accesses.Locator("tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(accesses).ToContainTextAsync("medic-1 (rescuer, Red Cross)");
        await Assertions.Expect(accesses).ToContainTextAsync("Found unconscious under rubble, needs surgery");
        await Assertions.Expect(accesses).ToContainTextAsync("pending");
        await patient.GetByRole(AriaRole.Button, new() { Name = "I have seen this" }).ClickAsync();
        await Assertions.Expect(patient.GetByRole(AriaRole.Status)).ToContainTextAsync("you have seen the break-glass accesses");
        await Assertions.Expect(patient.GetByTestId("break-glass-notice")).ToHaveCountAsync(0);
        await Assertions.Expect(patient.GetByTestId("break-glass").Locator("tbody tr")).ToHaveCountAsync(1);

        // General's admin reviews it in the queue (with the CSV report link).
        await general.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Break-glass review" }).ClickAsync();
        var queue = general.GetByTestId("review-queue");
        var access = queue.Locator("tbody tr", new() { HasText = "medic-1" });
        await Assertions.Expect(access).ToContainTextAsync("rescuer, red-cross");
        await Assertions.Expect(access).ToContainTextAsync("Found unconscious under rubble, needs surgery");
        await Assertions.Expect(access).ToContainTextAsync(patientId);
        var download = await general.RunAndWaitForDownloadAsync(() => general.GetByTestId("csv-" + emergencyId).ClickAsync());
        var csv = await File.ReadAllTextAsync(await download.PathAsync(), TestContext.Current.CancellationToken);
        Assert.StartsWith("accessId,patientId,custodianId,actorId,actorRole,actorOrganisationId,reason", csv, StringComparison.Ordinal);
        Assert.Contains($"{patientId},general-hospital,medic-1,rescuer,red-cross,unconscious", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("rubble", csv, StringComparison.Ordinal);
        await general.ShotAsync("break-glass-review");
        await access.GetByRole(AriaRole.Button, new() { Name = "Mark reviewed" }).ClickAsync();
        await Assertions.Expect(general.GetByRole(AriaRole.Status)).ToContainTextAsync("is marked reviewed");
        await Assertions.Expect(queue.GetByTestId("review")).ToContainTextAsync("reviewed by admin.general-hospital");
        await Assertions.Expect(queue.GetByRole(AriaRole.Button, new() { Name = "Mark reviewed" })).ToHaveCountAsync(0);

        // Extending needs a new end (field error); ending early is a proposal the others must approve too.
        await general.GotoAsync("/emergencies");
        var declared = general.Locator($"[data-emergency='{emergencyId}']");
        await declared.GetByRole(AriaRole.Button, new() { Name = "Propose extension" }).ClickAsync();
        await Assertions.Expect(general.GetByTestId("form-error")).ToContainTextAsync("endsAt: The new end is required.");
        await general.Locator($"[data-emergency='{emergencyId}']").GetByRole(AriaRole.Button, new() { Name = "Propose ending now" }).ClickAsync();
        await Assertions.Expect(general.GetByRole(AriaRole.Status)).ToContainTextAsync("is open");
        await Assertions.Expect(general.Locator($"[data-emergency='{emergencyId}']")).ToContainTextAsync("in force");
    }

    [Fact]
    public async Task An_anonymous_visitor_finds_the_doctors_on_call_by_specialty_with_the_switchboard_and_no_private_contact()
    {
        await using var node = await BrowserNode.StartConsortiumAsync([
            new FoundingOrganisation("General Hospital", OrganisationType.Hospital, "+44 20 7946 0001"),
            new FoundingOrganisation("St Mary Hospital", OrganisationType.Hospital, "+44 20 7946 0002")]);
        var general = await node.NewPageAsync();
        await general.LoginAsync("admin.general-hospital", BrowserNode.AdminPassword);
        await general.RegisterDoctorAsync("dr-gina", "Gina General", "Pathology", onCall: true);
        await general.RegisterDoctorAsync("dr-otto", "Otto Offcall", "Pathology");
        await general.GotoAsync("/doctors/dr-gina");
        await Assertions.Expect(general.GetByText("LIC-dr-gina")).ToBeVisibleAsync(); // staff see the licence number
        var stMary = await node.NewPageAsync(node.OtherUrls[0]);
        await stMary.LoginAsync("admin.st-mary-hospital", BrowserNode.AdminPassword);
        await stMary.RegisterDoctorAsync("dr-sam", "Sam St Mary", "Cardiology", onCall: true);
        await WaitAsync("St Mary's doctor reaches General's node", () => Ledger(node.App).GetState(StateKeys.Doctor("dr-sam")) is not null);
        var registered = Ledger(node.App).Tip.Height; // and its read models (the on-call page's), which follow the state in the commit handlers
        await WaitAsync("General's node has run that block's handlers", () => Ledger(node.App).AppliedHeight >= registered);

        // From the login page, without logging in.
        var visitor = await node.NewPageAsync();
        await visitor.GotoAsync("/login");
        await visitor.GetByTestId("public-on-call").ClickAsync();
        Assert.EndsWith("/on-call", visitor.Url, StringComparison.Ordinal);
        await Assertions.Expect(visitor.GetByRole(AriaRole.Heading, new() { Name = "Emergency: doctors on call now", Level = 1 })).ToBeVisibleAsync();
        var organisations = visitor.GetByTestId("on-call-organisation");
        await Assertions.Expect(organisations).ToHaveCountAsync(2);
        var gh = visitor.Locator("[data-org='general-hospital']");
        await Assertions.Expect(gh).ToContainTextAsync("General Hospital");
        await Assertions.Expect(gh.GetByTestId("switchboard")).ToHaveTextAsync("+44 20 7946 0001");
        await Assertions.Expect(gh).ToContainTextAsync("Gina General");
        await Assertions.Expect(gh).Not.ToContainTextAsync("Otto Offcall");
        await Assertions.Expect(visitor.Locator("main")).Not.ToContainTextAsync("LIC-");
        await Assertions.Expect(visitor.Locator("[data-org='st-mary-hospital']")).ToContainTextAsync("Sam St Mary");
        await visitor.ShotAsync("public-on-call");

        await visitor.GetByLabel("Specialty").SelectOptionAsync("Cardiology");
        await visitor.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Assertions.Expect(organisations).ToHaveCountAsync(1);
        await Assertions.Expect(visitor.Locator("[data-org='st-mary-hospital']")).ToContainTextAsync("Cardiology");
        await Assertions.Expect(visitor.Locator("[data-org='st-mary-hospital'] [data-testid='switchboard']")).ToHaveTextAsync("+44 20 7946 0002");

        // The staff directory still needs a login; a patient sees doctors without licence number, phone or e-mail.
        await visitor.GotoAsync("/doctors");
        Assert.Contains("/login", visitor.Url, StringComparison.Ordinal);
        var (patientId, otp) = await general.RegisterPatientAsync("GH-OC-1", "Pat Oncall");
        var patient = await node.NewPageAsync();
        await patient.FirstLoginAsync(patientId, otp, "pat-own-secret-1");
        await patient.GotoAsync("/doctors");
        await Assertions.Expect(patient.GetByTestId("doctors")).ToContainTextAsync("Gina General");
        await Assertions.Expect(patient.GetByTestId("doctors")).ToContainTextAsync("via the switchboard");
        await patient.GotoAsync("/doctors/dr-gina");
        await Assertions.Expect(patient.GetByRole(AriaRole.Heading, new() { Name = "Gina General" })).ToBeVisibleAsync();
        await Assertions.Expect(patient.Locator("main")).Not.ToContainTextAsync("LIC-dr-gina");
        await Assertions.Expect(patient.Locator("main")).Not.ToContainTextAsync("Licence number");
        await patient.GotoAsync("/doctors/on-call");
        await Assertions.Expect(patient.Locator("main")).ToContainTextAsync("Gina General");
    }
}
