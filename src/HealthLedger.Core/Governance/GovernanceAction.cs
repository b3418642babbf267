namespace HealthLedger.Core.Governance;

/// <summary>What a consortium proposal does. Values are stored on the chain and never renumbered.</summary>
public enum GovernanceAction : byte
{
    /// <summary>Admits an organisation with its first admin and its nodes.</summary>
    AddOrganisation = 1,
    /// <summary>Suspends an active organisation: its nodes leave the validator set, nobody of it can sign.</summary>
    SuspendOrganisation = 2,
    /// <summary>Reinstates a suspended organisation: its nodes vote again.</summary>
    ReinstateOrganisation = 3,
    /// <summary>Removes an organisation for good: its nodes are deleted, nobody of it can sign.</summary>
    RemoveOrganisation = 4,
    /// <summary>Adds a voting node of an active organisation.</summary>
    AddNode = 5,
    /// <summary>Removes a node.</summary>
    RemoveNode = 6,
    /// <summary>Gives a node a new key and/or address (rotation).</summary>
    ReplaceNode = 7,
    /// <summary>Replaces the governance policy.</summary>
    ChangePolicy = 8,
    /// <summary>Declares an emergency (scope, time, rescuer organisations, categories), admitting joining rescue services with it.</summary>
    DeclareEmergency = 9,
    /// <summary>Ends an emergency before its end time.</summary>
    EndEmergency = 10,
    /// <summary>
    /// Replaces the network policy (<see cref="Model.NetworkPolicy"/>: how long care relationships last) from the next block on.
    /// The consortium's way to change it once one organisation's approval no longer meets this action's rule (the
    /// <c>ConfigurePolicy</c> transaction still serves a network where it does).
    /// </summary>
    ChangeNetworkPolicy = 11,
    /// <summary>Extends an emergency to a later end time.</summary>
    ExtendEmergency = 12,
}
