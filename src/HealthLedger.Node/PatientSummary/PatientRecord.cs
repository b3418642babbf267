using HealthLedger.Node.Accounts;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Patients;

namespace HealthLedger.Node.PatientSummary;

/// <summary>
/// A patient's complete record as one reader sees it: demographics, encounters (by date) and the hospital account. A
/// section the patient does not share with the reader is null (encounters, account) or empty (demographics:
/// <see cref="PatientView.DemographicsShared"/>); <see cref="PatientView.Shared"/> says which.
/// </summary>
public sealed record PatientRecord(PatientView Patient, IReadOnlyList<EntryView>? Encounters, AccountView? Account);
