using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Consortium;
using HealthLedger.Node.Hosting;

namespace HealthLedger.Cli.Commands;

/// <summary>
/// <c>healthledger consortium up|request|propose|declare-emergency|vote|proposals</c> ('up' in <see cref="ConsortiumUpCommand"/>): a newcomer organisation prepares its keys and a join request; a member's
/// admin submits it as a proposal through a node's API (or proposes to remove, suspend or reinstate a member); members' admins vote on proposals.
/// </summary>
internal static class ConsortiumCommand
{
    public static Command Create() => new("consortium",
        "Consortium of organisations: run a local one ('up'), ask to join as a new organisation, propose its admission (or a member's removal), list and vote on proposals.")
    {
        ConsortiumUpCommand.Create(),
        Request(),
        Propose(),
        DeclareEmergency(),
        Vote(),
        Proposals(),
    };

    private static Command Request()
    {
        var org = new Option<string>("--org") { Description = "The new organisation's name, e.g. \"City Lab\"", Required = true };
        var type = new Option<string>("--type") { Description = $"What it is: {GovernanceNames.TypeList}", Required = true };
        var data = CommonOptions.Data(required: true);
        var peerListen = new Option<string>("--peer-listen") { Description = "Where its node's peer endpoint will listen, as the other nodes reach it, e.g. http://10.0.0.7:5180", Required = true };
        var contact = new Option<string?>("--contact")
        {
            Description = $"How to reach its administrators (one line of at most {Core.Model.OrganisationRecord.MaxContactBytes} bytes: a phone number or mailbox of the institution)",
        };
        var urls = new Option<string?>("--urls") { Description = "Where its node's web UI and API will listen (default http://localhost:5080)" };
        var command = new Command("request",
            "Prepare a new organisation: its keys, its first admin (password from " + CommonOptions.PasswordVariable + ", else generated and printed once), its node key " +
            "and node.json, all in a new data folder (owner-only), and a join request file (public keys and addresses, no secret) to give to a member's admin. " +
            "Once the consortium approves it, run 'healthledger join --data DIR --peer URL' and then 'healthledger node --data DIR'.")
        {
            org, type, data, peerListen, contact, urls,
        };
        command.SetAction(parse =>
        {
            JoinRequestMaker.Result made;
            var folder = parse.GetValue(data)!;
            try
            {
                made = JoinRequestMaker.Make(folder, parse.GetValue(org)!, parse.GetValue(type)!, parse.GetValue(peerListen)!, parse.GetValue(contact), parse.GetValue(urls),
                    CommonOptions.AdminPassword());
            }
            catch (Exception e) when (NewNetworkFolder.IsCreationFailure(e))
            {
                return CommonOptions.Fail(NewNetworkFolder.Problem(folder, e));
            }
            Console.WriteLine($"Prepared organisation '{made.Request.Organisation!.Id}' ({made.Request.Organisation.Type}) in {Path.GetFullPath(folder)}");
            Console.WriteLine($"Node '{made.Request.Node!.Id}', peer address {made.Request.Node.Address}");
            Console.WriteLine($"Join request: {made.RequestPath}");
            CommonOptions.PrintAdminLogin(made.AdminUser, made.GeneratedPassword);
            Console.WriteLine("Give the join request to an admin of a member organisation ('healthledger consortium propose --request FILE …' or the Consortium page).");
            Console.WriteLine($"Then: healthledger join --data {folder} --peer <a member node's peer address> --wait-minutes 60, and healthledger node --data {folder}");
            return 0;
        });
        return command;
    }

    private static Command Propose()
    {
        var request = new Option<string?>("--request") { Description = "Admit a new organisation: the join request file made by 'healthledger consortium request'" };
        var remove = new Option<string?>("--remove") { Description = "Remove a member organisation for good (its id, e.g. harbour-clinic): its nodes leave the validator set, nobody of it can sign" };
        var suspend = new Option<string?>("--suspend") { Description = "Suspend a member organisation (its id): its nodes stop voting, nobody of it can sign, until reinstated" };
        var reinstate = new Option<string?>("--reinstate") { Description = "Reinstate a suspended organisation (its id): its nodes vote again" };
        var id = new Option<string?>("--id") { Description = "The proposal's id (default: one is made), to vote on it by name" };
        var (url, user, passwordStdin) = Connection();
        var command = new Command("propose",
            "Propose, as an admin of a member organisation, to admit an organisation (--request), or to remove, suspend or reinstate one (--remove, --suspend, --reinstate ID); " +
            "your organisation's approval is the first vote, and the action takes effect at the block after the policy's threshold is met")
        {
            request, remove, suspend, reinstate, id, url, user, passwordStdin,
        };
        command.SetAction(async (parse, ct) =>
        {
            var given = new (string Action, string? Value)[]
            {
                ("add-organisation", parse.GetValue(request)), ("remove-organisation", parse.GetValue(remove)),
                ("suspend-organisation", parse.GetValue(suspend)), ("reinstate-organisation", parse.GetValue(reinstate)),
            }.Where(g => !string.IsNullOrWhiteSpace(g.Value)).ToList();
            if (given.Count != 1) return CommonOptions.Fail("give exactly one of --request FILE, --remove ID, --suspend ID and --reinstate ID");
            var (action, value) = given[0];
            object body;
            if (action == "add-organisation")
            {
                try
                {
                    body = new { id = parse.GetValue(id), action, request = JoinRequest.Read(value!) };
                }
                catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
                {
                    return CommonOptions.Fail(e.Message);
                }
            }
            else
            {
                body = new { id = parse.GetValue(id), action, organisationId = value!.Trim() };
            }
            return await CallAsync(parse.GetValue(url)!, parse.GetValue(user)!, parse.GetValue(passwordStdin), "/api/v1/consortium/proposals", body, ct);
        });
        return command;
    }

    private static Command DeclareEmergency()
    {
        var id = new Option<string?>("--id") { Description = "The emergency's id, e.g. quake (the proposal is declare-<id>; default: one is made)" };
        var title = new Option<string>("--title") { Description = "What happened, e.g. Earthquake (no patient data)", Required = true };
        var area = new Option<string?>("--area") { Description = "An area tag: a facility/site code (lower-case letters, digits, '-'); the emergency then covers only the scope's patients tagged with it" };
        var scope = new Option<string>("--scope") { Description = "The organisations all of whose patients it covers: ids, comma-separated, e.g. general-hospital", Required = true };
        var rescuers = new Option<string?>("--rescuers") { Description = "Member organisations admitted as rescuers: ids, comma-separated" };
        var requests = new Option<string?>("--rescuer-requests") { Description = "Rescue services joining with the declaration: join request files made by 'consortium request --type rescuer', comma-separated" };
        var observers = new Option<bool>("--observers") { Description = "Admit the joining rescue services' nodes as non-voting observers (replicate and serve, never vote); default: they vote" };
        var categories = new Option<string?>("--categories") { Description = "What rescuers may read, comma-separated: demographics (the emergency summary, default), medication (current medication: the pharmacy's prescriptions), reports (prescription reports; the key opens every report)" };
        var endsAt = new Option<DateTimeOffset?>("--ends-at") { Description = "When it ends by itself (ISO 8601, e.g. 2026-12-01T18:00:00Z)" };
        var minutes = new Option<int?>("--minutes") { Description = "Or: it ends this many minutes from now (1 to 43200, 30 days)" }.WholeNumber(1, 43_200, "minutes");
        var (url, user, passwordStdin) = Connection();
        var command = new Command("declare-emergency",
            "Propose, as an admin of a member organisation, to declare an emergency (approved under the policy's emergency rule, by default at least 1/3 of the " +
            "governing organisations; with joining rescue services whose nodes vote, also the admission rule): its scope, its rescuers (members, and rescue services joining with it) and its end; other members approve with 'consortium vote'")
        {
            id, title, area, scope, rescuers, requests, observers, categories, endsAt, minutes, url, user, passwordStdin,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(endsAt).HasValue == parse.GetValue(minutes).HasValue) return CommonOptions.Fail("give exactly one of --ends-at INSTANT and --minutes N");
            var end = parse.GetValue(endsAt) ?? DateTimeOffset.UtcNow.AddMinutes(parse.GetValue(minutes)!.Value);
            var joining = new List<JoinRequest>();
            foreach (var file in List(parse.GetValue(requests)))
            {
                try
                {
                    joining.Add(JoinRequest.Read(file));
                }
                catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
                {
                    return CommonOptions.Fail(e.Message);
                }
            }
            var body = new
            {
                id = parse.GetValue(id),
                title = parse.GetValue(title),
                area = parse.GetValue(area),
                scope = List(parse.GetValue(scope)),
                rescuers = List(parse.GetValue(rescuers)),
                newRescuers = joining,
                newRescuerNodesVote = !parse.GetValue(observers),
                categories = List(parse.GetValue(categories)),
                endsAt = end,
            };
            return await CallAsync(parse.GetValue(url)!, parse.GetValue(user)!, parse.GetValue(passwordStdin), "/api/v1/emergencies", body, ct);
        });
        return command;

        static List<string> List(string? value) => (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
    }

    private static Command Vote()
    {
        var proposal = new Option<string>("--proposal") { Description = "The proposal's id", Required = true };
        var approve = new Option<bool>("--approve") { Description = "Approve it" };
        var reject = new Option<bool>("--reject") { Description = "Reject it" };
        var (url, user, passwordStdin) = Connection();
        var command = new Command("vote", "Vote on an open proposal as an admin of a member organisation (each organisation votes once)")
        {
            proposal, approve, reject, url, user, passwordStdin,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(approve) == parse.GetValue(reject)) return CommonOptions.Fail("give exactly one of --approve and --reject");
            var id = parse.GetValue(proposal)!;
            return await CallAsync(parse.GetValue(url)!, parse.GetValue(user)!, parse.GetValue(passwordStdin),
                $"/api/v1/consortium/proposals/{Uri.EscapeDataString(id)}/votes", new { decision = parse.GetValue(approve) ? "approve" : "reject" }, ct);
        });
        return command;
    }

    private static Command Proposals()
    {
        var all = new Option<bool>("--all") { Description = "Closed proposals too (default: open ones only)" };
        var (url, user, passwordStdin) = Connection();
        var command = new Command("proposals", "List the consortium's proposals (open ones by default) with their votes, as an admin or auditor")
        {
            all, url, user, passwordStdin,
        };
        command.SetAction(async (parse, ct) => await CallAsync(parse.GetValue(url)!, parse.GetValue(user)!, parse.GetValue(passwordStdin),
            "/api/v1/consortium/proposals", null, ct, parse.GetValue(all)));
        return command;
    }

    private static (Option<string> Url, Option<string> User, Option<bool> PasswordStdin) Connection() => (
        new Option<string>("--url") { Description = $"A node of your organisation (web address), e.g. {CommonOptions.DefaultUrl}", Required = true },
        new Option<string>("--user") { Description = "Your user id at that node: an admin (proposals and votes) or an auditor (reading proposals)", Required = true },
        new Option<bool>("--password-stdin") { Description = $"Read the password from the first line of standard input (otherwise from {CommonOptions.PasswordVariable})" });

    // Logs in, then POSTs body (or GETs the proposal list when body is null) and prints the proposal(s).
    private static async Task<int> CallAsync(string url, string user, bool passwordStdin, string path, object? body, CancellationToken ct, bool all = false)
    {
        var password = passwordStdin ? (await Console.In.ReadLineAsync(ct))?.TrimEnd('\r', '\n') : CommonOptions.AdminPassword();
        if (string.IsNullOrEmpty(password)) return CommonOptions.Fail($"give the password on standard input with --password-stdin, or set {CommonOptions.PasswordVariable}");
        if (CommonOptions.UrlProblem(url, out var parsed) is { } urlProblem) return CommonOptions.Fail(urlProblem);
        var baseUri = parsed!;
        using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(60) };
        try
        {
            using (var login = await http.PostAsJsonAsync("/api/v1/auth/token", new { username = user, password }, ct))
            {
                if (!login.IsSuccessStatusCode) return await ProblemAsync(login, "login", ct);
                var token = await login.Content.ReadFromJsonAsync<JsonElement>(ct);
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
            }
            using var response = body is null ? await http.GetAsync(path, ct) : await http.PostAsJsonAsync(path, body, ct);
            if (!response.IsSuccessStatusCode) return await ProblemAsync(response, "the node", ct);
            var list = body is null
                ? (await response.Content.ReadFromJsonAsync<List<ProposalResponse>>(JsonSerializerOptions.Web, ct))!.Where(p => all || p.Status == "open").ToList()
                : [(await response.Content.ReadFromJsonAsync<ProposalResponse>(JsonSerializerOptions.Web, ct))!];
            if (list.Count == 0) Console.WriteLine(all ? "No proposals." : "No open proposals.");
            foreach (var p in list)
            {
                Console.WriteLine($"Proposal {p.Id}: {p.Summary}");
                Console.WriteLine($"Status {p.Status}: {p.Approvals} of {p.Needed} approvals needed, {p.Rejections} rejections; expires {p.ExpiresAt:u}");
                if (p.Votes.Count > 0) Console.WriteLine($"Votes: {string.Join(", ", p.Votes.Select(v => $"{v.OrganisationId} {v.Decision}"))}");
                if (p.Waiting.Count > 0) Console.WriteLine($"Waiting for: {string.Join(", ", p.Waiting)}");
            }
            return 0;
        }
        catch (HttpRequestException e)
        {
            return CommonOptions.Fail(CommonOptions.Unreachable(url, e));
        }
    }

    private static async Task<int> ProblemAsync(HttpResponseMessage response, string who, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        try
        {
            var problem = JsonDocument.Parse(text).RootElement;
            var detail = problem.TryGetProperty("detail", out var d) ? d.GetString() : problem.TryGetProperty("title", out var t) ? t.GetString() : text;
            Console.Error.WriteLine($"error: {who} answered {(int)response.StatusCode}: {detail}");
            if (problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in errors.EnumerateObject())
                {
                    foreach (var message in field.Value.EnumerateArray()) Console.Error.WriteLine($"  {field.Name}: {message.GetString()}");
                }
            }
        }
        catch (JsonException)
        {
            Console.Error.WriteLine($"error: {who} answered {(int)response.StatusCode}: {text}");
        }
        return 1;
    }
}
