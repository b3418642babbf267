using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Deque.AxeCore.Commons;
using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(HealthLedger.Browser.Tests.PageSweep.Seeded))]

namespace HealthLedger.Browser.Tests;

/// <summary>
/// Every page each role reaches, at a phone (390×844), a tablet (768×1024) and a desktop (1280×900) size: the page never
/// scrolls sideways, every link of the main menu and "Log out" are on screen (at most one "Menu" press away), and axe
/// (every rule) finds nothing serious or critical at the phone and desktop sizes. One node seeded through the API with a
/// patient who has an admission, a corrected charge, a report, a lab order and a prescription, and an expense; one browser;
/// one login per role. The roles' sweeps are spread over four classes that run side by side, all on the one node
/// (<see cref="Seeded"/>, seeded at first use). Full-page screenshots of each role's main pages at 390 and 1280 px go to
/// $HEALTHLEDGER_SCREENSHOT_ARTIFACTS (default: artifacts/screenshots under the repository, ignored by git), with
/// readme-patient-1280x900.png, the admin's patient page as the README shows it (copy it to docs/screenshot-patient.png).
/// </summary>
public abstract class PageSweep(PageSweep.Seeded seeded)
{
    /// <summary>The one seeded node of every sweep; await <see cref="Seeded.ReadyAsync"/> before using it.</summary>
    protected Seeded Sweep { get; } = seeded;

    private static readonly (int Width, int Height)[] Viewports = [(390, 844), (768, 1024), (1280, 900)];

    /// <summary>axe-core, the build Deque.AxeCore.Playwright bundles (read once, not once per scan).</summary>
    private static readonly string AxeSource = new BundledAxeScriptProvider().GetScript();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected async Task SweepAsync(string user, string password, string[] paths, string[] shots)
    {
        var context = await Sweep.Node.NewContextAsync(new() { BaseURL = Sweep.Node.Url, Locale = "en-GB", TimezoneId = "UTC" });
        var page = await context.NewPageAsync();
        await page.LoginAsync(user, password);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Log out" })).ToBeVisibleAsync();
        // Each page is loaded once and laid out at each size in turn (a resize re-applies the media queries and re-lays the
        // page out as a load at that size would; the pages have no width-dependent script).
        foreach (var path in paths)
        {
            var response = await page.GotoAsync(path);
            Assert.True(response is { Ok: true }, $"{user} {path}: HTTP {response?.Status}");
            Assert.False(page.Url.Contains("/login", StringComparison.Ordinal), $"{user} {path}: sent to the login page");
            foreach (var (width, height) in Viewports)
            {
                await page.SetViewportSizeAsync(width, height);
                await AssertFitsAsync(page, path, width);
                if (width != 768 && shots.Contains(path)) await ShootAsync(page, user, path, width);
                await AssertMenuReachableAsync(page, path, width);
                // axe at the phone and the desktop layouts: the tablet has the phone's header (one breakpoint, 860 px), so
                // the same elements are shown and hidden, and a scan there repeats the phone's.
                if (width != 768) await AssertAccessibleAsync(page, path, width);
            }
        }
        await context.CloseAsync();
    }

    protected static async Task AssertFitsAsync(IPage page, string path, int width)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        var (scroll, inner) = (widths[0], widths[1]);
        Assert.True(scroll <= inner, $"{path} at {width} px: the page is {scroll} px wide in a {inner} px window");
    }

    /// <summary>Every main-menu link and "Log out" lie inside the window, after pressing "Menu" where it shows.</summary>
    private static async Task AssertMenuReachableAsync(IPage page, string path, int width)
    {
        var logout = page.GetByRole(AriaRole.Button, new() { Name = "Log out" });
        await Assertions.Expect(logout).ToBeInViewportAsync();
        var menu = page.GetByRole(AriaRole.Button, new() { Name = "Menu" });
        var nav = page.GetByRole(AriaRole.Navigation, new() { Name = "Main" });
        if (await menu.IsVisibleAsync())
        {
            Assert.True(width < 1280, $"{path} at {width} px: a desktop shows the menu without a button");
            // Opened at the previous (smaller) size: closed again first, so that this size's closed state is checked too.
            if (await menu.GetAttributeAsync("aria-expanded") == "true") await menu.ClickAsync();
            await Assertions.Expect(nav).ToBeHiddenAsync();
            await menu.ClickAsync();
            await Assertions.Expect(menu).ToHaveAttributeAsync("aria-expanded", "true");
        }
        await Assertions.Expect(nav).ToBeVisibleAsync();
        var outside = await nav.EvaluateAsync<string[]>("""
            nav => [...nav.querySelectorAll('a')].filter(a => {
                const r = a.getBoundingClientRect();
                return r.width === 0 || r.height === 0 || r.left < 0 || r.right > window.innerWidth + 0.5;
            }).map(a => a.textContent.trim())
            """);
        Assert.True(outside.Length == 0, $"{path} at {width} px: menu links off screen: {string.Join(", ", outside)}");
        Assert.True(await nav.Locator("a").CountAsync() > 1, $"{path} at {width} px: the main menu has no links");
    }

    /// <summary>
    /// axe-core with every rule, in the page as it is laid out now; only the violations' nodes are sent back (the passes' nodes
    /// make a scan several times slower). axe goes into each loaded page once and runs there with <c>axe.run</c>: the same
    /// engine, rules and findings as Deque's <c>page.RunAxe</c>, whose frame-by-frame mode (<c>runPartial</c>, then
    /// <c>finishRun</c> in a blank page it opens and closes for every scan, the whole script injected into both each time) made
    /// a scan about seven times slower here; both gave identical findings on every page of the sweep. That mode exists for
    /// pages with frames, which these pages do not have (asserted, so that a page with one cannot be half scanned).
    /// </summary>
    protected static async Task AssertAccessibleAsync(IPage page, string path, int width)
    {
        Assert.True(page.Frames.Count == 1, $"{path}: the page has frames; scan them too (Deque's page.RunAxe does)");
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'")) await page.EvaluateAsync("() => { " + AxeSource + " }");
        var violations = await page.EvaluateAsync<JsonElement>("""
            async () => (await axe.run(document, { resultTypes: ['violations'] })).violations.map(v =>
                ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.html) }))
            """);
        var serious = violations.EnumerateArray().Where(v => v.GetProperty("impact").GetString() is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"{path} at {width} px: axe finds\n" + string.Join("\n", serious.Select(v =>
            $"  {v.GetProperty("impact").GetString()} {v.GetProperty("id").GetString()}: {v.GetProperty("help").GetString()} at " +
            string.Join("; ", v.GetProperty("nodes").EnumerateArray().Select(n => n.GetString())))));
    }

    /// <summary>A full-page screenshot named by role and page, the seeded ids replaced by what they stand for (so a rerun overwrites it).</summary>
    private async Task ShootAsync(IPage page, string user, string path, int width)
    {
        string Stable(string text) => text.Replace(Sweep.PatientId, "patient", StringComparison.Ordinal).Replace(Sweep.ReportId, "report", StringComparison.Ordinal)
            .Replace(Sweep.LabOrderId, "lab-order", StringComparison.Ordinal).Replace(Sweep.PrescriptionId, "prescription", StringComparison.Ordinal);
        var name = $"{Stable(user)}{(path == "/" ? "-home" : Stable(path).Replace('/', '-'))}-{width}.png";
        await page.ScreenshotAsync(new() { Path = Path.Combine(Seeded.ScreenshotFolder, name), FullPage = true });
        if (user == "admin" && width == 1280 && path.StartsWith("/patients/", StringComparison.Ordinal))
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(Seeded.ScreenshotFolder, "readme-patient-1280x900.png") });
        }
    }

    /// <summary>One node seeded through the API (as the hospital's people would), every role's login with <see cref="Password"/>.</summary>
    public sealed class Seeded : IAsyncLifetime
    {
        public const string Password = "sweep-secret-password";
        public const string Doctor = "dr-sweep";
        public const string Technician = "lt-sweep";
        public const string Pathologist = "pa-sweep";
        public const string Pharmacist = "ph-sweep";
        public const string Accountant = "acc-sweep";
        public const string Auditor = "aud-sweep";
        public const string Rescuer = "resc-sweep";

        private const string Catalogue = """
            {"version":0,"tests":[
              {"code":"HGB","loinc":"718-7","name":"Haemoglobin","specimenType":"whole blood (EDTA)","unit":"g/L","possibleLow":10,"possibleHigh":250,"price":5,"turnaroundHours":4,
               "referenceRanges":[{"low":120,"high":175}]},
              {"code":"WBC","loinc":"6690-2","name":"White cell count","specimenType":"whole blood (EDTA)","unit":"10*9/L","possibleLow":0,"possibleHigh":500,"price":5,"turnaroundHours":4,
               "referenceRanges":[{"low":4,"high":11}]}],
             "panels":[{"code":"FBC","loinc":"58410-2","name":"Full blood count","tests":["HGB","WBC"],"price":25.50,"turnaroundHours":4}]}
            """;

        /// <summary>$HEALTHLEDGER_SCREENSHOT_ARTIFACTS, else artifacts/screenshots in the repository (ignored by git).</summary>
        public static string ScreenshotFolder { get; } = Environment.GetEnvironmentVariable("HEALTHLEDGER_SCREENSHOT_ARTIFACTS") is { Length: > 0 } folder
            ? Path.GetFullPath(folder)
            : Path.Combine(RepositoryRoot(), "artifacts", "screenshots");

        public BrowserNode Node { get; private set; } = null!;
        public string PatientId { get; private set; } = "";
        public string ReportId { get; private set; } = "";
        public string LabOrderId { get; private set; } = "";
        public string PrescriptionId { get; private set; } = "";

        private static string RepositoryRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "HealthLedger.slnx"))) return dir.FullName;
            }
            return Directory.GetCurrentDirectory();
        }

        private readonly SemaphoreSlim _gate = new(1, 1);
        private bool _seeded;

        /// <summary>Nothing: the node is started and seeded by the first sweep that needs it (<see cref="ReadyAsync"/>), not before the run's first test.</summary>
        public ValueTask InitializeAsync() => ValueTask.CompletedTask;

        /// <summary>Starts and seeds the node once, the first time a sweep asks; later calls wait for that and return at once.</summary>
        public async Task ReadyAsync()
        {
            await _gate.WaitAsync(Ct);
            try
            {
                if (_seeded) return;
                await SeedAsync();
                _seeded = true;
            }
            finally
            {
                _gate.Release();
            }
        }

        private async Task SeedAsync()
        {
            Directory.CreateDirectory(ScreenshotFolder);
            TestContext.Current.SendDiagnosticMessage($"Page sweep screenshots: {ScreenshotFolder}");
            Console.WriteLine($"Page sweep screenshots: {ScreenshotFolder}");
            Node = await BrowserNode.StartAsync();
            using var admin = await SignInAsync("admin", BrowserNode.AdminPassword);

            var doctorOtp = (await PostAsync(admin, "/api/v1/doctors", new
            {
                doctorId = Doctor,
                name = "Dr Sam Sweep",
                specialty = "Internal Medicine",
                department = "Internal Medicine",
                qualification = "MBBS",
                licenceNumber = "LIC-SWEEP-1",
                phone = "+44 20 7946 0101",
                email = "sweep@example.org",
                consultationHours = "Mon–Fri 09:00–17:00",
                onCall = true,
            })).GetProperty("oneTimePassword").GetString()!;
            var patient = await PostAsync(admin, "/api/v1/patients", new
            {
                mrn = "MRN-SWEEP-1",
                fullName = "Maximiliana Wolfeschlegelsteinhausen-Bergerdorff",
                dateOfBirth = "1975-06-15",
                gender = "female",
                phone = "+44 20 7946 0000",
                email = "maximiliana.wolfeschlegelsteinhausen@example.org",
                address = "12 Long Street, Flat 4, London",
                conditions = new[] { "Asthma", "Type 2 diabetes mellitus" },
                emergencyContact = "Jo Wolfe, +44 20 7946 0002",
                bloodGroup = "A+",
                allergies = "Penicillin",
            });
            PatientId = patient.GetProperty("id").GetString()!;
            var patientOtp = patient.GetProperty("oneTimePassword").GetString()!;
            var now = DateTimeOffset.UtcNow;
            await PostAsync(admin, $"/api/v1/patients/{PatientId}/entries", new
            {
                type = "admission",
                occurredAt = now.AddHours(-3).ToString("o", CultureInfo.InvariantCulture),
                doctorId = Doctor,
                ward = "W2",
                bed = "4",
                reason = "Shortness of breath",
            });
            var charge = await PostAsync(admin, $"/api/v1/patients/{PatientId}/account/charges", new
            {
                occurredAt = now.AddHours(-2).ToString("o", CultureInfo.InvariantCulture),
                service = "Chest X-ray",
                quantity = 1,
                unitPrice = 58.00m,
            });
            // A corrected charge: the superseded line is shown struck through (and must keep its contrast).
            await PostAsync(admin, $"/api/v1/patients/{PatientId}/account/charges", new
            {
                occurredAt = now.AddHours(-2).ToString("o", CultureInfo.InvariantCulture),
                service = "Chest X-ray",
                quantity = 1,
                unitPrice = 85.00m,
                correctsId = charge.GetProperty("id").GetString(),
            });
            var otps = new Dictionary<string, string> { [Doctor] = doctorOtp, [PatientId] = patientOtp };
            foreach (var (id, role) in new[] { (Technician, "lab-technician"), (Pathologist, "pathologist"), (Pharmacist, "pharmacist"), (Accountant, "accountant") })
            {
                otps[id] = (await PostAsync(admin, "/api/v1/staff", new { userId = id, role })).GetProperty("oneTimePassword").GetString()!;
            }
            otps[Auditor] = (await PostAsync(admin, "/api/v1/auditors", new { auditorId = Auditor })).GetProperty("oneTimePassword").GetString()!;
            otps[Rescuer] = (await PostAsync(admin, "/api/v1/emergencies/rescuers", new { userId = Rescuer })).GetProperty("oneTimePassword").GetString()!;
            foreach (var (id, otp) in otps)
            {
                using var first = await SignInAsync(id, otp);
                using var change = await first.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = otp, newPassword = Password }, Ct);
                Assert.True(change.IsSuccessStatusCode, $"{id}: {await change.Content.ReadAsStringAsync(Ct)}");
            }

            using (var body = new StringContent(Catalogue, Encoding.UTF8, "application/json"))
            using (var put = await admin.PutAsync("/api/v1/lab/catalogue", body, Ct))
            {
                Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync(Ct));
            }
            var drug = await PostAsync(admin, "/api/v1/pharmacy/drugs", new { name = "Salbutamol", strength = "100 micrograms/dose", form = "inhaler", atcCode = "R03AC02", unitPrice = 4.20m, reorderLevel = 5 });
            var drugId = drug.GetProperty("id").GetString()!;
            await PostAsync(admin, $"/api/v1/pharmacy/drugs/{drugId}/receipts", new
            {
                quantity = 40,
                expiresOn = now.AddDays(400).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                supplier = "Northern Pharma Wholesale",
                lotNumber = "LOT-2291",
            });
            await PostAsync(admin, "/api/v1/expenses", new
            {
                date = now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                category = "supplies",
                department = "Respiratory",
                amount = 312.40m,
                paymentMethod = "bank-transfer",
                vendor = "Lumen Medical Supplies",
                description = "Nebuliser masks and tubing",
            });

            using var doctor = await SignInAsync(Doctor, Password);
            LabOrderId = (await PostAsync(doctor, "/api/v1/lab/orders", new { patientId = PatientId, tests = new[] { "FBC" }, priority = "urgent", clinicalNote = "Breathless, pale." }))
                .GetProperty("id").GetString()!;
            PrescriptionId = (await PostAsync(doctor, $"/api/v1/patients/{PatientId}/prescriptions", new
            {
                drugId,
                dose = "2 puffs",
                route = "inhaled",
                frequency = "four times a day when needed",
                durationDays = 30,
                quantity = 1,
                repeats = 2,
                instructions = "Shake well before use.",
            })).GetProperty("id").GetString()!;
            using var form = new MultipartFormDataContent
            {
                {
                    new StringContent(JsonSerializer.Serialize(new
                    {
                        type = "lab", title = "Blood gas on admission", summary = "Mild hypoxaemia, improving on oxygen.",
                        labResults = new[] { new { test = "pO2", value = "9.1", unit = "kPa", referenceRange = "10.5-13.5", flag = "L" } },
                    }), Encoding.UTF8, "application/json"), "metadata"
                },
            };
            using var report = await doctor.PostAsync($"/api/v1/patients/{PatientId}/reports", form, Ct);
            var reportBody = await report.Content.ReadAsStringAsync(Ct);
            Assert.True(report.IsSuccessStatusCode, reportBody);
            ReportId = JsonDocument.Parse(reportBody).RootElement.GetProperty("reportId").GetString()!;
        }

        public async ValueTask DisposeAsync()
        {
            if (Node is not null) await Node.DisposeAsync();
            _gate.Dispose();
        }

        private async Task<HttpClient> SignInAsync(string user, string password)
        {
            var http = new HttpClient { BaseAddress = new Uri(Node.Url) };
            using var token = await http.PostAsJsonAsync("/api/v1/auth/token", new { username = user, password }, Ct);
            Assert.True(token.IsSuccessStatusCode, $"{user}: {await token.Content.ReadAsStringAsync(Ct)}");
            var bearer = JsonDocument.Parse(await token.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("accessToken").GetString();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            return http;
        }

        private static async Task<JsonElement> PostAsync(HttpClient http, string path, object body)
        {
            using var response = await http.PostAsJsonAsync(path, body, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }
}

/// <summary>The admin's and the patient's pages, the login page and the current menu link (<see cref="PageSweep"/>).</summary>
public sealed class PageSweepTests(PageSweep.Seeded seeded) : PageSweep(seeded)
{
    [Fact]
    public async Task Every_admin_page_fits_phones_tablets_and_desktops_and_has_no_serious_accessibility_finding()
    {
        await Sweep.ReadyAsync();
        await SweepAsync("admin", BrowserNode.AdminPassword, [
            "/", "/patients", "/patients/register", $"/patients/{Sweep.PatientId}", $"/patients/{Sweep.PatientId}/account",
            $"/patients/{Sweep.PatientId}/report", $"/patients/{Sweep.PatientId}/entries/new", $"/patients/{Sweep.PatientId}/vital-signs",
            $"/patients/{Sweep.PatientId}/prescriptions", $"/patients/{Sweep.PatientId}/access", $"/reports/{Sweep.ReportId}",
            "/doctors", "/doctors/register", $"/doctors/{Seeded.Doctor}", "/doctors/on-call", "/directory", "/entries", "/accounts", "/wards",
            "/lab", "/lab/catalogue", "/lab/turnaround", $"/lab/orders/{Sweep.LabOrderId}", "/pharmacy/stock", "/staff", "/expenses",
            "/statistics", "/audit", "/auditors", "/consortium", "/emergencies", "/break-glass", "/verify", "/account/password",
        ], shots: ["/", $"/patients/{Sweep.PatientId}", "/entries", "/accounts"]);
    }

    [Fact]
    public async Task Every_patient_page_fits_phones_tablets_and_desktops_and_has_no_serious_accessibility_finding()
    {
        await Sweep.ReadyAsync();
        await SweepAsync(Sweep.PatientId, Seeded.Password, [
            "/", $"/patients/{Sweep.PatientId}", $"/patients/{Sweep.PatientId}/access", $"/patients/{Sweep.PatientId}/account",
            $"/patients/{Sweep.PatientId}/report", $"/patients/{Sweep.PatientId}/vital-signs", $"/patients/{Sweep.PatientId}/prescriptions",
            $"/reports/{Sweep.ReportId}", "/lab", $"/lab/orders/{Sweep.LabOrderId}", "/doctors", $"/doctors/{Seeded.Doctor}", "/doctors/on-call",
            "/verify", "/account/password",
        ], shots: [$"/patients/{Sweep.PatientId}", $"/patients/{Sweep.PatientId}/access", $"/reports/{Sweep.ReportId}"]);
    }

    [Fact]
    public async Task The_login_page_and_the_favicon_work_on_a_phone()
    {
        await Sweep.ReadyAsync();
        var context = await Sweep.Node.NewContextAsync(new() { BaseURL = Sweep.Node.Url, ViewportSize = new() { Width = 360, Height = 740 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/login");
        await AssertFitsAsync(page, "/login", 360);
        await AssertAccessibleAsync(page, "/login", 360);
        var icon = await page.APIRequest.GetAsync("/favicon.ico");
        Assert.Equal(200, icon.Status);
        Assert.Equal("image/svg+xml", icon.Headers["content-type"]);
        Assert.Equal("/assets/favicon.svg", await page.Locator("link[rel=icon]").GetAttributeAsync("href"));
        await context.CloseAsync();
    }

    [Fact]
    public async Task On_accounts_only_Accounts_is_the_current_menu_link()
    {
        await Sweep.ReadyAsync();
        var page = await Sweep.Node.NewPageAsync();
        await page.LoginAsync("admin", BrowserNode.AdminPassword);
        await page.GotoAsync("/accounts");
        var current = page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).Locator("[aria-current=page]");
        await Assertions.Expect(current).ToHaveCountAsync(1);
        await Assertions.Expect(current).ToHaveTextAsync("Accounts");
        await page.GotoAsync("/account/password");
        await Assertions.Expect(current).ToHaveTextAsync("Password");
        await page.Context.CloseAsync();
    }
}

/// <summary>The doctor's pages (<see cref="PageSweep"/>).</summary>
public sealed class DoctorPageSweepTests(PageSweep.Seeded seeded) : PageSweep(seeded)
{
    [Fact]
    public async Task Every_doctor_page_fits_phones_tablets_and_desktops_and_has_no_serious_accessibility_finding()
    {
        await Sweep.ReadyAsync();
        await SweepAsync(Seeded.Doctor, Seeded.Password, [
            "/", "/patients", $"/patients/{Sweep.PatientId}", $"/patients/{Sweep.PatientId}/account", $"/patients/{Sweep.PatientId}/report",
            $"/patients/{Sweep.PatientId}/vital-signs", $"/patients/{Sweep.PatientId}/prescriptions", $"/patients/{Sweep.PatientId}/reports/new",
            $"/patients/{Sweep.PatientId}/lab-orders/new", $"/patients/{Sweep.PatientId}/entries/new", $"/reports/{Sweep.ReportId}",
            "/doctors", $"/doctors/{Seeded.Doctor}", "/doctors/on-call", "/directory", "/access-requests", "/lab", $"/lab/orders/{Sweep.LabOrderId}",
            "/emergencies/break-glass", "/verify", "/account/password",
        ], shots: ["/", $"/patients/{Sweep.PatientId}", $"/reports/{Sweep.ReportId}"]);
    }
}

/// <summary>The laboratory's and the pharmacy's pages (<see cref="PageSweep"/>).</summary>
public sealed class LabAndPharmacyPageSweepTests(PageSweep.Seeded seeded) : PageSweep(seeded)
{
    [Fact]
    public async Task Every_lab_technician_page_fits_phones_tablets_and_desktops_and_has_no_serious_accessibility_finding()
    {
        await Sweep.ReadyAsync();
        await SweepAsync(Seeded.Technician, Seeded.Password, ["/", "/lab", $"/lab/orders/{Sweep.LabOrderId}", "/lab/turnaround", "/verify", "/account/password"],
            shots: ["/lab", $"/lab/orders/{Sweep.LabOrderId}"]);
    }

    [Fact]
    public async Task Every_pathologist_page_fits_phones_tablets_and_desktops_and_has_no_serious_accessibility_finding()
    {
        await Sweep.ReadyAsync();
        await SweepAsync(Seeded.Pathologist, Seeded.Password, ["/", "/lab", $"/lab/orders/{Sweep.LabOrderId}", "/lab/turnaround", "/verify", "/account/password"],
            shots: ["/lab"]);
    }

    [Fact]
    public async Task Every_pharmacist_page_fits_phones_tablets_and_desktops_and_has_no_serious_accessibility_finding()
    {
        await Sweep.ReadyAsync();
        await SweepAsync(Seeded.Pharmacist, Seeded.Password, ["/", "/pharmacy", "/pharmacy/stock", $"/pharmacy/prescriptions/{Sweep.PrescriptionId}", "/verify", "/account/password"],
            shots: ["/pharmacy", $"/pharmacy/prescriptions/{Sweep.PrescriptionId}"]);
    }
}

/// <summary>The accountant's, the auditor's and the rescuer's pages (<see cref="PageSweep"/>).</summary>
public sealed class OfficePageSweepTests(PageSweep.Seeded seeded) : PageSweep(seeded)
{
    [Fact]
    public async Task Every_accountant_page_fits_phones_tablets_and_desktops_and_has_no_serious_accessibility_finding()
    {
        await Sweep.ReadyAsync();
        await SweepAsync(Seeded.Accountant, Seeded.Password, ["/", "/expenses", "/statistics", "/verify", "/account/password"],
            shots: ["/expenses", "/statistics"]);
    }

    [Fact]
    public async Task Every_auditor_page_fits_phones_tablets_and_desktops_and_has_no_serious_accessibility_finding()
    {
        await Sweep.ReadyAsync();
        await SweepAsync(Seeded.Auditor, Seeded.Password, ["/", "/expenses", "/statistics", "/audit", "/consortium", "/emergencies", "/verify", "/account/password"],
            shots: ["/audit", "/consortium"]);
    }

    [Fact]
    public async Task Every_rescuer_page_fits_phones_tablets_and_desktops_and_has_no_serious_accessibility_finding()
    {
        await Sweep.ReadyAsync();
        await SweepAsync(Seeded.Rescuer, Seeded.Password, ["/", "/emergencies/break-glass", "/emergencies", "/verify", "/account/password"],
            shots: ["/emergencies/break-glass"]);
    }
}
