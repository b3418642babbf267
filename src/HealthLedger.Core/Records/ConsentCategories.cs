namespace HealthLedger.Core.Records;

/// <summary>What a consent grant covers.</summary>
[Flags]
public enum ConsentCategories : byte
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>Demographics (name, contact, conditions…).</summary>
    Demographics = 1,
    /// <summary>Encounters: admissions, visits, transfers, discharges.</summary>
    Encounters = 2,
    /// <summary>The hospital account.</summary>
    Account = 4,
    /// <summary>Medical reports and their files.</summary>
    Reports = 8,
    /// <summary>Laboratory orders, specimens, results and their validation.</summary>
    Laboratory = 16,
    /// <summary>Medication: prescriptions and what was dispensed.</summary>
    Medication = 32,
    /// <summary>Everything.</summary>
    All = Demographics | Encounters | Account | Reports | Laboratory | Medication,
}
