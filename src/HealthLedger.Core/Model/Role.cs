namespace HealthLedger.Core.Model;

/// <summary>A user's role. Values are stored on the chain and never renumbered.</summary>
public enum Role : byte
{
    /// <summary>Organisation administrator: registers users, keeps the directory and accounts.</summary>
    Admin = 1,
    /// <summary>Doctor.</summary>
    Doctor = 2,
    /// <summary>Patient.</summary>
    Patient = 3,
    /// <summary>Auditor: verifies the chain and the access trail.</summary>
    Auditor = 4,
    /// <summary>Rescuer: break-glass access during a declared emergency.</summary>
    Rescuer = 5,
    /// <summary>Laboratory technician: records specimens and enters results at their organisation's laboratory.</summary>
    LabTechnician = 6,
    /// <summary>Pathologist: enters results and validates (signs off) results another member of the laboratory entered.</summary>
    Pathologist = 7,
    /// <summary>Pharmacist: keeps the organisation's formulary and stock, dispenses prescriptions.</summary>
    Pharmacist = 8,
    /// <summary>Accountant: the organisation's expenses (a later module; registered like other staff).</summary>
    Accountant = 9,
}
