using HealthLedger.Core.Emergencies;
using HealthLedger.Core.Governance;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Consortium;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Emergencies;

/// <summary>
/// <c>POST /api/v1/emergencies</c>: a declaration proposed by an admin's organisation. Times are ISO 8601 instants;
/// <see cref="Categories"/> defaults to <c>["demographics"]</c> (the emergency summary), <see cref="StartsAt"/> to now.
/// </summary>
public sealed class EmergencyInput
{
    /// <summary>Emergency id (also the proposal id with a "declare-" prefix); generated when absent.</summary>
    public string? Id { get; set; }

    /// <summary>What happened ("Earthquake"), 1 to 100 characters, no PHI.</summary>
    public string? Title { get; set; }

    /// <summary>Optional area tag (a facility/site code, lower-case letters, digits, '-'): the emergency then covers only the scope's patients tagged with it.</summary>
    public string? Area { get; set; }

    /// <summary>The organisations whose patients it covers (ids; at least one).</summary>
    public List<string>? Scope { get; set; }

    /// <summary>Existing organisations admitted as rescuers (ids).</summary>
    public List<string>? Rescuers { get; set; }

    /// <summary>Join requests of rescue services (type rescuer) admitted with the declaration.</summary>
    public List<JoinRequest>? NewRescuers { get; set; }

    /// <summary>
    /// Whether the joining rescue services' nodes vote (default true: they enter the validator set from the next block) or join
    /// as non-voting observers that replicate and serve but never count in a quorum (false).
    /// </summary>
    public bool? NewRescuerNodesVote { get; set; }

    /// <summary>demographics and/or reports.</summary>
    public List<string>? Categories { get; set; }

    /// <summary>From (default: now).</summary>
    public DateTimeOffset? StartsAt { get; set; }

    /// <summary>Until (exclusive), after the start, at most 30 days later.</summary>
    public DateTimeOffset? EndsAt { get; set; }

    /// <summary>
    /// Words that name an address beside <c>/emergencies/{id}</c> (rescuer registration, the patient finder, break-glass;
    /// API and pages): an emergency under such an id could not be read there, so none is declared under one.
    /// </summary>
    public static readonly IReadOnlySet<string> ReservedIds = new HashSet<string>(StringComparer.Ordinal) { "rescuers", "patients", "break-glass" };

    /// <summary>The action, or the field errors.</summary>
    public (DeclareEmergencyAction? Action, FieldErrors Errors) Validate(DateTimeOffset now, string generatedId)
    {
        var e = new FieldErrors();
        var id = string.IsNullOrWhiteSpace(Id) ? generatedId : Id.Trim();
        if (!Identifiers.IsValid(id)) e.Add("id", $"An emergency id is {Identifiers.Rule}.");
        else if (ReservedIds.Contains(id)) e.Add("id", $"'{id}' is the name of an address of its own (/api/v1/emergencies/{id}): choose another id.");
        var title = FieldRules.Text(e, "title", Title, 100, required: true, "The title");
        // A site code or nothing: the emergency then covers only the scope's patients tagged with it.
        var area = Patients.PatientInput.CheckArea(e, Area);
        // Null items are refused before (NullElements, "scope[0]"); here they are skipped so that no caller can make this throw.
        var scope = (Scope ?? []).OfType<string>().Select(s => s.Trim()).ToList();
        if (scope.Count == 0) e.Add("scope", "Name at least one organisation whose patients the emergency covers.");
        else if (scope.Any(s => !Identifiers.IsValid(s))) e.Add("scope", $"An organisation id is {Identifiers.Rule}.");
        var rescuers = (Rescuers ?? []).OfType<string>().Select(s => s.Trim()).ToList();
        if (rescuers.Any(s => !Identifiers.IsValid(s))) e.Add("rescuers", $"An organisation id is {Identifiers.Rule}.");
        var joining = new List<AddOrganisationAction>();
        foreach (var request in (NewRescuers ?? []).OfType<JoinRequest>())
        {
            var errors = new FieldErrors();
            if (ProposalInput.JoinRequestAction(request, errors) is { } add) joining.Add(add);
            foreach (var (field, messages) in errors.ToDictionary())
            {
                foreach (var message in messages) e.Add("newRescuers." + field["request.".Length..], message);
            }
        }
        if (rescuers.Count == 0 && (NewRescuers ?? []).Count == 0) e.Add("rescuers", "Admit at least one rescuer organisation (existing, or joining with newRescuers).");
        var categories = ConsentCategories.None;
        foreach (var name in Categories is { Count: > 0 } ? Categories : ["demographics"])
        {
            var category = Enum.GetValues<ConsentCategories>().FirstOrDefault(c => c is not (ConsentCategories.None or ConsentCategories.All)
                && string.Equals(c.ToString(), name?.Trim(), StringComparison.OrdinalIgnoreCase));
            if (category == ConsentCategories.None || !EmergencyCategories.IsWithin(category))
            {
                e.Add("categories", "An emergency opens only the emergency summary: demographics (blood group, allergies, conditions, emergency contact), medication (the pharmacy's prescriptions) and reports (prescription reports).");
                break;
            }
            categories |= category;
        }
        var starts = StartsAt ?? now;
        if (EndsAt is null) e.Add("endsAt", "The end of the emergency is required.");
        else if (StartsAt is null && EndsAt <= now) e.Add("endsAt", "The end is already past.");
        else if (EndsAt <= starts) e.Add("endsAt", "The end must be after the start.");
        else if (EndsAt - starts > TimeSpan.FromMilliseconds(EmergencyState.MaxDurationMs)) e.Add("endsAt", "An emergency lasts at most 30 days (extend it by approval).");
        else if (EndsAt <= now) e.Add("endsAt", "The end is already past.");
        if (!e.IsEmpty) return (null, e);
        var action = new DeclareEmergencyAction(id, title, area, scope, rescuers, joining, categories,
            (ulong)starts.ToUnixTimeMilliseconds(), (ulong)EndsAt!.Value.ToUnixTimeMilliseconds(), NewRescuerNodesVote ?? true);
        if (action.Problem() is { } problem)
        {
            var colon = problem.IndexOf(':', StringComparison.Ordinal);
            e.Add(colon > 0 ? problem[..colon] : "emergency", colon > 0 ? problem[(colon + 1)..].Trim() : problem);
            return (null, e);
        }
        return (action, e);
    }
}
