using HealthLedger.Core.Model;
using HealthLedger.Node.Fhir.Import;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Import;

/// <summary>
/// One import's page (admins of its organisation): while it runs, a progress bar of done/total resources that
/// <c>/assets/import-job.js</c> updates from the status handler (and reloads into the report when it ends); when done, the
/// report: per resource type what was (or would be) created, what was already there and what could not be mapped, and why.
/// </summary>
public sealed class ImportJobModel(FhirImportJobs jobs) : HospitalPage
{
    /// <summary>The job shown.</summary>
    public FhirImportJob? Job { get; private set; }

    public IActionResult OnGet(string id)
    {
        if (Me.Role != Role.Admin) return Denied(null);
        if ((Job = jobs.Find(Me, id)) is null) return NoSuchJob();
        return Page();
    }

    /// <summary>
    /// <c>GET /import/jobs/{id}?handler=Status</c>: <c>{"state":"running|completed|failed","done":n,"total":n}</c>, for the
    /// page's progress bar.
    /// </summary>
    public IActionResult OnGetStatus(string id)
    {
        if (Me.Role != Role.Admin) return Denied(null);
        if (jobs.Find(Me, id) is not { } job) return NoSuchJob();
        return new JsonResult(new ImportJobStatus(job.State.ToString().ToLowerInvariant(), job.Done, job.Total));
    }

    private PartialViewResult NoSuchJob()
    {
        Response.StatusCode = 404;
        return Partial("_Message", new MessageModel("Not found", "No such import: the node keeps the last imports until it stops."));
    }
}

/// <summary>An import's progress as the job page polls it.</summary>
/// <param name="State">running, completed or failed.</param>
/// <param name="Done">Resources handled.</param>
/// <param name="Total">Resources to handle.</param>
public sealed record ImportJobStatus(string State, int Done, int Total);
