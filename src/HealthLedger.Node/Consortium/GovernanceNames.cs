using HealthLedger.Core.Governance;
using HealthLedger.Core.Model;

namespace HealthLedger.Node.Consortium;

/// <summary>The names the API, the UI and the CLI give governance actions, organisation types and statuses (kebab case).</summary>
public static class GovernanceNames
{
    private static readonly Dictionary<GovernanceAction, string> ActionNames = new()
    {
        [GovernanceAction.AddOrganisation] = "add-organisation",
        [GovernanceAction.SuspendOrganisation] = "suspend-organisation",
        [GovernanceAction.ReinstateOrganisation] = "reinstate-organisation",
        [GovernanceAction.RemoveOrganisation] = "remove-organisation",
        [GovernanceAction.AddNode] = "add-node",
        [GovernanceAction.RemoveNode] = "remove-node",
        [GovernanceAction.ReplaceNode] = "replace-node",
        [GovernanceAction.ChangePolicy] = "change-policy",
        [GovernanceAction.DeclareEmergency] = "declare-emergency",
        [GovernanceAction.EndEmergency] = "end-emergency",
        [GovernanceAction.ChangeNetworkPolicy] = "change-network-policy",
        [GovernanceAction.ExtendEmergency] = "extend-emergency",
    };

    /// <summary>The actions the generic proposal endpoint carries (emergencies are proposed at <c>/api/v1/emergencies</c>).</summary>
    public static IReadOnlyList<string> Proposable { get; } =
        ActionNames.Where(a => !GovernancePolicy.IsEmergency(a.Key)).Select(a => a.Value).ToList();

    /// <summary>"add-organisation" for <see cref="GovernanceAction.AddOrganisation"/>.</summary>
    public static string Of(GovernanceAction action) => ActionNames[action];

    /// <summary>The action named <paramref name="name"/> (case-insensitive), or null.</summary>
    public static GovernanceAction? Action(string? name) =>
        ActionNames.FirstOrDefault(a => string.Equals(a.Value, name?.Trim(), StringComparison.OrdinalIgnoreCase)) is { Value: not null } found ? found.Key : null;

    /// <summary>"laboratory" for <see cref="OrganisationType.Laboratory"/>.</summary>
    public static string Of(OrganisationType type) => type.ToString().ToLowerInvariant();

    /// <summary>The type named <paramref name="name"/> (case-insensitive), or null.</summary>
    public static OrganisationType? Type(string? name) =>
        Enum.GetValues<OrganisationType>().Cast<OrganisationType?>().FirstOrDefault(t => string.Equals(t.ToString(), name?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>"active", "suspended" or "removed".</summary>
    public static string Of(OrganisationStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>The type names, for messages.</summary>
    public static string TypeList => string.Join(", ", Enum.GetValues<OrganisationType>().Select(Of));
}
