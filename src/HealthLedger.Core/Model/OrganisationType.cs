namespace HealthLedger.Core.Model;

/// <summary>What kind of member an organisation is. Values are stored on the chain and never renumbered.</summary>
public enum OrganisationType : byte
{
    /// <summary>A hospital.</summary>
    Hospital = 1,
    /// <summary>A laboratory (pathology, imaging).</summary>
    Laboratory = 2,
    /// <summary>A pharmacy.</summary>
    Pharmacy = 3,
    /// <summary>A clinic or practice.</summary>
    Clinic = 4,
    /// <summary>A rescue service (emergency medical services).</summary>
    Rescuer = 5,
}
