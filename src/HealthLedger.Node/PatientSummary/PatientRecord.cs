using HealthLedger.Node.Accounts;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Patients;

namespace HealthLedger.Node.PatientSummary;

/// <summary>A patient's complete record as one view: demographics, encounters (by date) and the hospital account.</summary>
public sealed record PatientRecord(PatientView Patient, IReadOnlyList<EntryView> Encounters, AccountView Account);
