namespace HealthLedger.Core.Records;

/// <summary>Where an access request (<see cref="AccessRequestState"/>) stands. Values are part of the state encoding.</summary>
public enum AccessRequestStatus : byte
{
    /// <summary>Waiting for the patient's answer (until it expires: <see cref="AccessRequestState.IsOpenAt"/>).</summary>
    Pending = 1,
    /// <summary>The patient approved it; the approval carried the grant.</summary>
    Approved = 2,
    /// <summary>The patient declined it.</summary>
    Declined = 3,
}
