using System.Globalization;
using HealthLedger.Node.Audit;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Access;

/// <summary>
/// The patient's access history (<c>/patients/{id}/access/history</c>; the patient, or an admin of their organisation):
/// reads and consent changes grouped by person and day, a page at a time, filtered by the GET query (who, organisation,
/// category, record, kind, from, to, page, pageSize) so a filtered view is a link; <c>view=events</c> lists the events
/// themselves, 50 a page. A bad filter value is answered with status 400 and its message next to the filter's field.
/// </summary>
public sealed class HistoryModel(AccessHistoryService history, DisclosureRecorder recorder) : HospitalPage
{
    /// <summary>Events per page in the <c>view=events</c> list.</summary>
    public const int EventsPerPage = 50;

    [BindProperty(SupportsGet = true)] public string? Who { get; set; }
    [BindProperty(SupportsGet = true)] public string? Organisation { get; set; }
    [BindProperty(SupportsGet = true)] public string? Category { get; set; }
    [BindProperty(SupportsGet = true)] public string? Record { get; set; }
    [BindProperty(SupportsGet = true)] public string? Kind { get; set; }
    [BindProperty(SupportsGet = true)] public string? From { get; set; }
    [BindProperty(SupportsGet = true)] public string? To { get; set; }
    /// <summary>The <c>page</c> query parameter (read from the query: Razor Pages' own "page" route value would shadow a bound property).</summary>
    public string? PageNumber { get; private set; }
    [BindProperty(SupportsGet = true)] public string? PageSize { get; set; }
    [BindProperty(SupportsGet = true)] public string? View { get; set; }

    public string PatientId { get; private set; } = "";
    public bool IsPatient => Me.UserId == PatientId;

    /// <summary>True for the flat list of events (<c>view=events</c>).</summary>
    public bool EventsView => string.Equals(View, "events", StringComparison.OrdinalIgnoreCase);

    /// <summary>The groups of this page (grouped view), or null when the filter was refused.</summary>
    public AccessHistoryPage? Groups { get; private set; }

    /// <summary>The events of this page (<c>view=events</c>).</summary>
    public IReadOnlyList<AccessHistoryEvent> Events { get; private set; } = [];

    /// <summary>The number of events matching (<c>view=events</c>).</summary>
    public int TotalEvents { get; private set; }

    public int CurrentPage { get; private set; } = 1;
    public int Pages { get; private set; }

    /// <summary>The filter's errors by query parameter (who, organisation, …); empty when it was accepted.</summary>
    public IDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();

    /// <summary>The known organisations (the organisation filter's choices).</summary>
    public IReadOnlyList<Core.Model.OrganisationRecord> Organisations { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken ct)
    {
        PatientId = id;
        PageNumber = Request.Query.TryGetValue("page", out var pageText) ? pageText.ToString() : null;
        // Show reads up to now: wait (briefly) for queued disclosures to reach the ledger.
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            wait.CancelAfter(TimeSpan.FromSeconds(3));
            try
            {
                await recorder.FlushAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
            }
        }
        Organisations = history.Organisations();
        var query = new AccessHistoryQuery(Who, Organisation, Category, Record, Kind, From, To, EventsView ? null : PageNumber, EventsView ? null : PageSize);
        if (EventsView)
        {
            var events = history.Events(Me, id, query);
            if (!events.IsOk) return Refused(events);
            TotalEvents = events.Value!.Count;
            Pages = (TotalEvents + EventsPerPage - 1) / EventsPerPage;
            if (!int.TryParse(PageNumber ?? "1", NumberStyles.None, CultureInfo.InvariantCulture, out var page) || page < 1 || page > Math.Max(Pages, 1))
            {
                return Refused(Outcome<object>.Invalid(FieldErrors.One("page", Pages <= 1 ? "There is only 1 page." : $"Not a page from 1 to {Pages}.")));
            }
            CurrentPage = page;
            Events = events.Value!.Skip((page - 1) * EventsPerPage).Take(EventsPerPage).ToList();
            return Page();
        }
        var groups = history.Groups(Me, id, query);
        if (!groups.IsOk) return Refused(groups);
        Groups = groups.Value!;
        CurrentPage = Groups.Page;
        Pages = Groups.Pages;
        return Page();
    }

    private IActionResult Refused<T>(Outcome<T> outcome)
    {
        if (outcome.Kind != OutcomeKind.Invalid) return Failure(outcome, Page);
        Response.StatusCode = 400;
        Errors = outcome.Errors!.ToDictionary();
        FormError = "The history cannot be filtered this way: " + string.Join(" ", Errors.Select(e => $"{Label(e.Key)}: {string.Join(" ", e.Value)}"));
        return Page();
    }

    /// <summary>The filter field's label for a query parameter.</summary>
    public static string Label(string parameter) => parameter switch
    {
        "who" => "Who",
        "organisation" => "Organisation",
        "category" => "Category",
        "record" => "Record",
        "kind" => "Event",
        "from" => "From",
        "to" => "To",
        "page" => "Page",
        "pageSize" => "Per page",
        _ => parameter,
    };

    /// <summary>The first error for a query parameter, or null.</summary>
    public string? Error(string parameter) => Errors.TryGetValue(parameter, out var m) ? string.Join(" ", m) : null;

    /// <summary>
    /// A link to this page with the current filter, changed by <paramref name="changes"/> (a null value removes the
    /// parameter); the page number is dropped unless changed, since another filter starts at page 1.
    /// </summary>
    public string Link(params (string Name, string? Value)[] changes)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["who"] = Who,
            ["organisation"] = Organisation,
            ["category"] = Category,
            ["record"] = Record,
            ["kind"] = Kind,
            ["from"] = From,
            ["to"] = To,
            ["pageSize"] = PageSize,
            ["view"] = View,
        };
        foreach (var (name, value) in changes) values[name] = value;
        var query = string.Join("&", values.Where(v => !string.IsNullOrWhiteSpace(v.Value)).Select(v => $"{v.Key}={Uri.EscapeDataString(v.Value!.Trim())}"));
        return $"/patients/{Uri.EscapeDataString(PatientId)}/access/history" + (query.Length > 0 ? "?" + query : "");
    }

    /// <summary>The page numbers to link: the first, the last and two either side of the current one (0 for a gap).</summary>
    public IEnumerable<int> PageLinks()
    {
        var shown = Enumerable.Range(1, Pages).Where(p => p == 1 || p == Pages || Math.Abs(p - CurrentPage) <= 2).ToList();
        for (var i = 0; i < shown.Count; i++)
        {
            if (i > 0 && shown[i] - shown[i - 1] > 1) yield return 0;
            yield return shown[i];
        }
    }

    /// <summary>A time of day, hospital time, in the hospital culture's format (<see cref="HospitalTime.ShowClock"/>).</summary>
    public string Clock(DateTimeOffset at) => Time.ShowClock(at);

    /// <summary>A person as shown: "Name (id)", or the id alone when no name is known.</summary>
    public static string Person(string name, string id) => name == id ? id : $"{name} ({id})";
}
