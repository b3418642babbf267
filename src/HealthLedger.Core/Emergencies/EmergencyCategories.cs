using HealthLedger.Core.Records;

namespace HealthLedger.Core.Emergencies;

/// <summary>
/// The consent categories an emergency may open to rescuers: the "emergency summary". HealthLedger has no finer key than
/// a consent category (the key hierarchy wraps one key per patient and category), so the summary is defined in terms of
/// categories:
/// <list type="bullet">
/// <item><see cref="ConsentCategories.Demographics"/>: blood group, allergies, conditions and emergency contact (all four
/// are fields of the sealed demographics record), with the name and date of birth that identify the patient;</item>
/// <item><see cref="ConsentCategories.Medication"/> (optional): current medication, from the pharmacy's structured
/// prescriptions (drug and strength, dose, route, frequency); the category holds prescriptions and what was dispensed, nothing
/// else.</item>
/// <item><see cref="ConsentCategories.Reports"/> (optional): current medication from the patient's prescription reports.
/// The category key opens every report (lab, imaging, discharge summaries too), so a declaration must ask for it
/// explicitly; the node's emergency summary shows prescriptions only.</item>
/// </list>
/// Encounters and the hospital account are never part of an emergency.
/// </summary>
public static class EmergencyCategories
{
    /// <summary>Every category an emergency may open: demographics, medication and reports.</summary>
    public const ConsentCategories Allowed = ConsentCategories.Demographics | ConsentCategories.Medication | ConsentCategories.Reports;

    /// <summary>What a declaration opens when it names nothing else: the demographics (blood group, allergies, conditions, emergency contact).</summary>
    public const ConsentCategories Default = ConsentCategories.Demographics;

    /// <summary>True when <paramref name="categories"/> is non-empty and within <see cref="Allowed"/>.</summary>
    public static bool IsWithin(ConsentCategories categories) => categories != ConsentCategories.None && (categories & ~Allowed) == 0;

    /// <summary>The field error for categories beyond the emergency set.</summary>
    public const string Rule = "an emergency opens only the emergency summary: demographics (blood group, allergies, conditions, emergency contact) and, if asked, medication (the pharmacy's prescriptions) and reports (prescription reports): current medication";
}
