using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Storage;
using HealthLedger.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Api;

/// <summary>
/// Sessions end with a password change and after an idle period; password checks are rate-limited per client and per account
/// with the same answers for real and unknown accounts, and no account is ever locked.
/// </summary>
public class SessionsAndLoginsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Changing_a_password_ends_the_users_other_sessions_but_not_the_one_that_changed_it()
    {
        await using var node = await NodeFixture.StartAsync();
        using var changer = await node.LoginAsync("admin", NodeFixture.Password);
        using var other = await node.LoginAsync("admin", NodeFixture.Password);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/v1/doctors", Ct)).StatusCode);

        using var changed = await changer.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = NodeFixture.Password, newPassword = NodeFixture.ChosenPassword }, Ct);
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.GetAsync("/api/v1/doctors", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await changer.GetAsync("/api/v1/doctors", Ct)).StatusCode);
        using var again = await node.LoginAsync("admin", NodeFixture.ChosenPassword);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/api/v1/doctors", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_password_longer_than_any_login_can_carry_is_refused_and_the_longest_accepted_one_logs_in()
    {
        await using var node = await NodeFixture.StartAsync();
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        // 100,000 characters used to be stored (204) while every login with it was refused (413): the user was locked out.
        var tooLong = "Abc1-" + new string('x', Security.Passwords.MaxLength);
        using (var refused = await admin.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = NodeFixture.Password, newPassword = tooLong }, Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var errors = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("errors");
            Assert.Contains("at most 256 characters", errors.GetProperty("newPassword")[0].GetString());
        }
        using (await node.LoginAsync("admin", NodeFixture.Password))
        {
            // The refused change changed nothing: the old password still logs in.
        }
        var longest = "Abc1-" + new string('x', Security.Passwords.MaxLength - 5);
        using (var changed = await admin.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = NodeFixture.Password, newPassword = longest }, Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        }
        using var again = await node.LoginAsync("admin", longest);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/api/v1/doctors", Ct)).StatusCode);
        // Characters are counted as Unicode characters, not UTF-16 units: 200 emoji (400 units) are 200 characters.
        var emoji = "Ab1-" + string.Concat(Enumerable.Repeat("\U0001F600", 200));
        using (var changed = await again.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = longest, newPassword = emoji }, Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        }
        using var third = await node.LoginAsync("admin", emoji);
        Assert.Equal(HttpStatusCode.OK, (await third.GetAsync("/api/v1/doctors", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_one_time_password_is_long_and_sealed_at_the_one_time_cost_and_the_chosen_password_at_the_full_cost()
    {
        // Two costs the test can tell apart (the fixture's usual setting makes them equal).
        var chosenCost = new Core.Crypto.Argon2Parameters(16 * 1024, 1);
        var oneTimeCost = new Core.Crypto.Argon2Parameters(8 * 1024, 1);
        await using var node = await NodeFixture.StartAsync(configure: o => o with { PasswordHashing = chosenCost, OneTimePasswordHashing = oneTimeCost });
        var keystore = node.App.Services.GetRequiredService<Keystore>();
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        using var registered = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-OT1", fullName = "Otto Once", dateOfBirth = "1970-01-01", gender = "male" }, Ct);
        var body = await registered.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var patientId = body.GetProperty("id").GetString()!;
        var oneTime = body.GetProperty("oneTimePassword").GetString()!;

        Assert.Equal(Node.Security.Passwords.OneTimeLength, oneTime.Length);
        // At least 112 bits (NIST SP 800-63B §5.1.2.2), which is what lets its seal skip a costly key derivation.
        Assert.True(oneTime.Length * Math.Log2(56) >= 112, $"{oneTime.Length} characters");
        Assert.Equal(oneTimeCost, keystore.Get(patientId)!.Value.Keys.Parameters);
        using (await node.FirstLoginAsync(patientId, oneTime))
        {
            Assert.Equal(chosenCost, keystore.Get(patientId)!.Value.Keys.Parameters);
        }
        using var reset = await admin.PostAsync($"/api/v1/patients/{patientId}/password-reset", null, Ct);
        reset.EnsureSuccessStatusCode();
        var again = (await reset.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("oneTimePassword").GetString()!;
        Assert.Equal(Node.Security.Passwords.OneTimeLength, again.Length);
        Assert.Equal(oneTimeCost, keystore.Get(patientId)!.Value.Keys.Parameters);
        using (await node.LoginAsync(patientId, again))
        {
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await AttemptsAsync(node, patientId, 1, NodeFixture.ChosenPassword)).Single().Status);
    }

    [Fact]
    public async Task Two_password_changes_of_one_user_at_once_succeed_once_and_the_winning_password_is_the_one_that_works()
    {
        await using var node = await NodeFixture.StartAsync();
        using var first = await node.LoginAsync("admin", NodeFixture.Password);
        using var second = await node.LoginAsync("admin", NodeFixture.Password);
        string[] replacements = ["Racer-alpha-111", "Racer-bravo-222"];
        var statuses = await Task.WhenAll(new[] { first, second }.Select(async (client, i) =>
        {
            using var changed = await client.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = NodeFixture.Password, newPassword = replacements[i] }, Ct);
            return changed.StatusCode;
        }));

        // Both used to answer 204 while only one of the two passwords worked: the later change now checks its current
        // password against the login the first one stored, and is refused.
        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.NoContent));
        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.BadRequest));
        var winner = replacements[Array.IndexOf(statuses, HttpStatusCode.NoContent)];
        var loser = replacements[Array.IndexOf(statuses, HttpStatusCode.BadRequest)];
        using (await node.LoginAsync("admin", winner))
        {
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await AttemptsAsync(node, "admin", 1, loser)).Single().Status);
    }

    [Fact]
    public async Task Logins_are_limited_per_account_with_the_same_answers_for_a_real_and_an_unknown_account_and_nothing_is_locked()
    {
        await using var node = await NodeFixture.StartAsync();
        var real = await AttemptsAsync(node, "admin", 11);
        var unknown = await AttemptsAsync(node, "nobody-at-all", 11);
        Assert.Equal(real.Select(a => (a.Status, a.Title)), unknown.Select(a => (a.Status, a.Title)));
        Assert.All(real[..10], a => Assert.Equal(HttpStatusCode.Unauthorized, a.Status));
        Assert.Equal(HttpStatusCode.TooManyRequests, real[10].Status);
        Assert.InRange(real[10].RetryAfter!.Value, 1, 60); // a bounded slowdown: one window at most
        Assert.Contains("Too many login attempts", real[10].Detail);

        // The right password waits out the same window (nothing says the account is real), and nothing is locked in the keystore.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await AttemptsAsync(node, "admin", 1, NodeFixture.Password))[0].Status);
        Assert.Equal(0, node.App.Services.GetRequiredService<Keystore>().LockedUntil("admin"));
    }

    [Fact]
    public async Task Password_checks_are_limited_per_client_whatever_the_account()
    {
        await using var node = await NodeFixture.StartAsync();
        var attempts = new List<(HttpStatusCode Status, string? Title, string? Detail, int? RetryAfter)>();
        for (var i = 0; attempts.Count == 0 || attempts[^1].Status != HttpStatusCode.TooManyRequests; i++)
        {
            Assert.True(i < 40, "the client was never limited");
            attempts.AddRange(await AttemptsAsync(node, $"someone-{i}", 1));
        }
        Assert.Equal(30, attempts.Count(a => a.Status == HttpStatusCode.Unauthorized)); // 30 per client and window
        Assert.NotNull(attempts[^1].RetryAfter);
    }

    [Fact]
    public async Task A_password_check_beyond_the_concurrency_gate_is_refused_with_503_and_a_problem_and_logins_work_again_after()
    {
        await using var node = await NodeFixture.StartAsync(configure: o => o with { PasswordCheckConcurrency = 1, PasswordCheckQueue = 0 });
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var gate = node.App.Services.GetRequiredService<Security.PasswordCheckGate>();
        using (var running = gate.TryEnter()) // a check in progress holds the only slot
        {
            Assert.NotNull(running);
            foreach (var (client, path, body) in new (HttpClient, string, object)[]
            {
                (node.Http, "/api/v1/auth/token", new { username = "admin", password = NodeFixture.Password }),
                (node.Http, "/api/v1/auth/token", new { username = "nobody-at-all", password = "whatever-it-is" }),
                (admin, "/api/v1/auth/password", new { currentPassword = NodeFixture.Password, newPassword = NodeFixture.ChosenPassword }),
            })
            {
                using var response = await client.PostAsJsonAsync(path, body, Ct);
                // The node is overloaded, not the caller at fault: 503 with Retry-After (DESIGN: overload is answered at once).
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.NotNull(response.Headers.RetryAfter?.Delta);
                var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
                Assert.Equal(503, problem.GetProperty("status").GetInt32());
                Assert.Contains("Too many password checks", problem.GetProperty("detail").GetString());
            }
        }
        using var again = await node.LoginAsync("admin", NodeFixture.Password);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/api/v1/doctors", Ct)).StatusCode);
    }

    [Fact]
    public async Task Concurrent_password_checks_beyond_the_gate_are_answered_503_never_500()
    {
        await using var node = await NodeFixture.StartAsync(configure: o => o with { PasswordCheckConcurrency = 1, PasswordCheckQueue = 0 });
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var response = await node.Http.PostAsJsonAsync("/api/v1/auth/token", new { username = "admin", password = NodeFixture.Password }, Ct);
            return response.StatusCode;
        }));
        Assert.All(answers, a => Assert.True(a is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, a.ToString()));
        Assert.Contains(HttpStatusCode.OK, answers);
        using var after = await node.LoginAsync("admin", NodeFixture.Password);
    }

    [Fact]
    public async Task Wrong_current_passwords_in_a_password_change_are_limited_per_account()
    {
        await using var node = await NodeFixture.StartAsync();
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        for (var i = 0; i < 10; i++)
        {
            using var response = await admin.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = "wrong", newPassword = NodeFixture.ChosenPassword }, Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        // The 11th is refused as a login refused for its account is (it was a 400 without Retry-After).
        using var refused = await admin.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = "wrong", newPassword = NodeFixture.ChosenPassword }, Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        Assert.Contains("Too many login attempts", JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("detail").GetString());
    }

    // break: a login refused per account was titled "Too many attempts", one refused per address "Too many requests" (and a
    // password change refused per account was a 400 without Retry-After): one kind of refusal, one problem type and title.
    [Fact]
    public async Task Every_refused_password_check_gets_the_same_429_problem_with_Retry_After_whichever_limit_refused_it()
    {
        await using var node = await NodeFixture.StartAsync(configure: o => o with { LoginAttemptsPerAccount = 2, LoginAttemptsPerClient = 8 });
        using var admin = await node.LoginAsync("admin", NodeFixture.Password); // 1 check from this address
        var refusals = new List<HttpResponseMessage>();
        try
        {
            for (var i = 0; i < 3; i++) // checks 2-4: the third change is refused for the account
            {
                var change = await admin.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = "wrong", newPassword = NodeFixture.ChosenPassword }, Ct);
                if (i < 2) Assert.Equal(HttpStatusCode.BadRequest, change.StatusCode);
                refusals.Add(change);
            }
            for (var i = 0; i < 3; i++) // checks 5-7: the third login of one name is refused for the account
            {
                refusals.Add(await node.Http.PostAsJsonAsync("/api/v1/auth/token", new { username = "nobody-at-all", password = "wrong-password" }, Ct));
            }
            for (var i = 0; i < 2; i++) // checks 8-9: the ninth is refused for the address (the rate limiter's policy)
            {
                refusals.Add(await node.Http.PostAsJsonAsync("/api/v1/auth/token", new { username = $"someone-{i}", password = "wrong-password" }, Ct));
            }
            var refused = new[] { refusals[2], refusals[5], refusals[7] };
            Assert.Equal(HttpStatusCode.Unauthorized, refusals[6].StatusCode);
            var problems = new List<(string? Type, string? Title, int Status)>();
            foreach (var response in refused)
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.NotNull(response.Headers.RetryAfter?.Delta);
                var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
                Assert.StartsWith("Too many login attempts", problem.GetProperty("detail").GetString());
                problems.Add((problem.GetProperty("type").GetString(), problem.GetProperty("title").GetString(), problem.GetProperty("status").GetInt32()));
            }
            Assert.All(problems, p => Assert.Equal((HealthLedger.Node.Web.TooManyRequests.ProblemType, "Too many requests", 429), p));
        }
        finally
        {
            foreach (var response in refusals) response.Dispose();
        }
    }

    [Fact]
    public async Task A_session_unused_for_the_idle_timeout_ends_and_one_in_use_goes_on()
    {
        var clock = new OffsetClock();
        await using var node = await NodeFixture.StartAsync(clock: clock);
        using var busy = await node.LoginAsync("admin", NodeFixture.Password);
        using var idle = await node.LoginAsync("admin", NodeFixture.Password);
        clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(HttpStatusCode.OK, (await busy.GetAsync("/api/v1/doctors", Ct)).StatusCode);
        clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(HttpStatusCode.OK, (await busy.GetAsync("/api/v1/doctors", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await idle.GetAsync("/api/v1/doctors", Ct)).StatusCode);
    }

    private static async Task<List<(HttpStatusCode Status, string? Title, string? Detail, int? RetryAfter)>> AttemptsAsync(NodeFixture node, string user, int count,
        string password = "wrong-password")
    {
        var results = new List<(HttpStatusCode, string?, string?, int?)>();
        for (var i = 0; i < count; i++)
        {
            using var response = await node.Http.PostAsJsonAsync("/api/v1/auth/token", new { username = user, password }, Ct);
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
            var retry = response.Headers.RetryAfter?.Delta is { } d ? (int?)d.TotalSeconds : null;
            results.Add((response.StatusCode, problem.GetProperty("title").GetString(), problem.GetProperty("detail").GetString(), retry));
        }
        return results;
    }
}
