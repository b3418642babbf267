using HealthLedger.Core.Crypto;
using HealthLedger.Node.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace HealthLedger.Browser.Tests;

/// <summary>
/// Issue 13, item 9 in a real browser: an admin opens the Consortium page from the nav, uploads a newcomer's join request to
/// admit it (executed at once while the hospital is the only member), proposes suspending it (open: the newcomer must vote too),
/// withdraws it, proposes new care periods (the network policy: open too) and withdraws them, and sees them in the history; a
/// second upload of the same request is refused naming the field.
/// </summary>
public class ConsortiumTests
{
    [Fact]
    public async Task An_admin_admits_an_organisation_by_uploading_its_join_request_and_sees_proposals_and_history()
    {
        await using var node = await BrowserNode.StartAsync();
        var made = JoinRequestMaker.Make(node.Folder.Combine("city-lab"), "City Lab", "laboratory", "http://127.0.0.1:1", contact: "lab@city.example",
            adminPassword: "city-lab-root-password", argon: Argon2Parameters.TestOnly);
        made.Request.Node = null; // a node would be a second validator that this test does not run
        var requestFile = node.Folder.Combine("city-lab-join-request.json");
        made.Request.Write(requestFile);

        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);
        await admin.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Consortium" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Consortium", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(admin.GetByTestId("members").Locator("tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(admin.GetByTestId("members")).ToContainTextAsync("this node");
        await Assertions.Expect(admin.GetByTestId("no-open")).ToBeVisibleAsync();

        await admin.GetByLabel("Admit an organisation").SetInputFilesAsync(requestFile);
        await admin.GetByRole(AriaRole.Button, new() { Name = "Propose admission" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("Admit City Lab (laboratory, 'city-lab')");
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("is executed");
        await Assertions.Expect(admin.GetByTestId("members")).ToContainTextAsync("lab@city.example");
        await Assertions.Expect(admin.Locator("[data-org='city-lab']")).ToContainTextAsync("active");

        // Two members now: a suspension needs both, so it stays open; this organisation has voted (its proposal), City Lab has not.
        await admin.GetByLabel("Change a member's status").SelectOptionAsync("suspend-organisation");
        await admin.GetByLabel("Organisation", new() { Exact = true }).SelectOptionAsync("city-lab");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Propose", Exact = true }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("is open");
        var open = admin.GetByTestId("open-proposals");
        await Assertions.Expect(open).ToContainTextAsync("Suspend organisation 'city-lab'");
        await Assertions.Expect(open).ToContainTextAsync("1 of 2 approvals");
        await Assertions.Expect(open).ToContainTextAsync("waiting for city-lab");
        await Assertions.Expect(open.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToHaveCountAsync(0);
        await admin.ShotAsync("consortium");

        await open.GetByRole(AriaRole.Button, new() { Name = "Withdraw" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("is withdrawn");

        // New care periods (the network policy) are a proposal too: with two members it waits for City Lab.
        await Assertions.Expect(admin.GetByTestId("network-policy-form")).ToContainTextAsync("version 1");
        await admin.GetByLabel("Days of care after a discharge (0–365)").FillAsync("3");
        await admin.GetByLabel("Days of care after a visit (1–365)").FillAsync("14");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Propose new care periods" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("doctors keep access 3 days after a discharge and 14 days after a visit");
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("is open");
        var care = admin.GetByTestId("open-proposals").Locator("tr", new() { HasText = "Change the network policy" });
        await Assertions.Expect(care).ToContainTextAsync("1 of 2 approvals");
        await Assertions.Expect(admin.GetByTestId("network-policy-form")).ToContainTextAsync("version 1"); // not changed yet
        await care.GetByRole(AriaRole.Button, new() { Name = "Withdraw" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("is withdrawn");
        await Assertions.Expect(admin.GetByTestId("history")).ToContainTextAsync("withdrawn");
        await Assertions.Expect(admin.GetByTestId("history")).ToContainTextAsync("executed");

        // City Lab's admin (who logs in at City Lab's own node) proposes a change of the policy; here its Approve button
        // is offered, and the founder's approval executes it.
        using (var keystore = Storage.Keystore.Open(new Node.Configuration.DataDirectory(node.Folder.Combine("city-lab")).KeystorePath))
        using (var labAdmin = keystore.Unseal(made.AdminUser, "city-lab-root-password")!)
        {
            var ledger = node.App.Services.GetRequiredService<Node.Ledger.LedgerNode>();
            var policy = Core.Governance.GovernancePolicy.Default with { ProposalLifetimeMs = 48 * 3_600_000UL };
            var tx = Core.Transactions.Transaction.Create(ledger.Network.NetworkId, labAdmin.Signing, ledger.Nonces(labAdmin.Signing.PublicKey).Next,
                new Core.Transactions.Kinds.ProposePayload("lab-policy", new Core.Governance.ChangePolicyAction(policy)));
            Assert.True(ledger.Submit(tx.Encoded.Span).Result.IsOk);
            await ledger.WaitForCommitAsync(tx.Id, TestContext.Current.CancellationToken);
        }
        await admin.GotoAsync("/consortium");
        var labProposal = admin.Locator("[data-proposal='lab-policy']");
        await Assertions.Expect(labProposal).ToContainTextAsync("Change the governance policy");
        await Assertions.Expect(labProposal).ToContainTextAsync("waiting for browser-test-hospital");
        await labProposal.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("on proposal lab-policy is recorded: executed");
        await Assertions.Expect(admin.GetByTestId("policy-summary")).ToContainTextAsync("48 hours");

        // The same request again: the organisation id is taken.
        await admin.GetByLabel("Admit an organisation").SetInputFilesAsync(requestFile);
        await admin.GetByRole(AriaRole.Button, new() { Name = "Propose admission" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("form-error")).ToContainTextAsync("request.organisation.id");
    }
}
