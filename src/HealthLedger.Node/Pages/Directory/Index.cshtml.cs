using HealthLedger.Core.Model;
using HealthLedger.Node.Consortium;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Directory;

/// <summary>
/// The consortium directory (staff: admins and doctors): every member organisation (name, type, contact, status) from the
/// chain, and the doctors of every organisation whose directory entries this node can open (name, specialty, organisation,
/// on call; the cross-organisation directory of <c>GET /api/v1/doctors?organisation=all</c>), filtered by organisation and
/// specialty.
/// </summary>
public sealed class DirectoryIndexModel(LedgerNode node, DoctorService doctors) : HospitalPage
{
    /// <summary>The organisation filter: an organisation id, or empty for every organisation.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Organisation { get; set; }

    /// <summary>The specialty filter (case-insensitive), or empty for every specialty.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Specialty { get; set; }

    /// <summary>Every member organisation (any status), by name.</summary>
    public IReadOnlyList<OrganisationRecord> Organisations { get; private set; } = [];

    /// <summary>The doctors that match the filters, by name.</summary>
    public Page<DoctorView> Doctors { get; private set; } = new([], 0, 1, 200);

    /// <summary>Every specialty in the consortium's directory, for the filter.</summary>
    public IReadOnlyList<string> Specialties { get; private set; } = [];

    /// <summary>An organisation's name (its id when it is not a member).</summary>
    public string NameOf(string organisationId) => Organisations.FirstOrDefault(o => o.Id == organisationId)?.Name ?? organisationId;

    public IActionResult OnGet()
    {
        if (Me.Role is not (Role.Admin or Role.Doctor)) return Denied("The consortium directory is for staff: admins and doctors.");
        Organisations = node.ScanState("org/").Select(o => OrganisationRecord.TryDecode(o.Value)).OfType<OrganisationRecord>()
            .OrderBy(o => o.Name, StringComparer.OrdinalIgnoreCase).ToList();
        if (!string.IsNullOrWhiteSpace(Organisation) && Organisations.All(o => o.Id != Organisation.Trim()))
        {
            // Named, not silently widened: an id that is no member organisation's shows every organisation's doctors and says so.
            FormError = Web.QueryValues.NotUnderstood(Organisation, "a member organisation", "organisation: an organisation id", "every organisation's doctors are shown");
        }
        var scope = string.IsNullOrWhiteSpace(Organisation) || Organisations.All(o => o.Id != Organisation.Trim()) ? "all" : Organisation.Trim();
        Organisation = scope == "all" ? null : scope;
        Doctors = doctors.List(Me, new DoctorQuery(Specialty: Specialty, PageSize: 200, Organisation: scope));
        Specialties = doctors.List(Me, new DoctorQuery(PageSize: 200, Organisation: "all")).Items.Select(d => d.Details.Specialty)
            .Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase).ToList();
        return Page();
    }

    /// <summary>"hospital", "active"…: the names the API uses.</summary>
    public static string Of(OrganisationType type) => GovernanceNames.Of(type);

    /// <inheritdoc cref="Of(OrganisationType)"/>
    public static string Of(OrganisationStatus status) => GovernanceNames.Of(status);
}
