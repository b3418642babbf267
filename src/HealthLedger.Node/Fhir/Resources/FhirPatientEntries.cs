using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Resources;

/// <summary>
/// The patients' entries (encounters and account lines) behind Encounter, Account and ChargeItem, read through the same doors
/// as the JSON API: <see cref="FhirPatientAccess"/> checks (and records) the read of one patient, <see cref="EncounterService"/>
/// gives the entries of the categories the reader reaches, and a search without <c>patient</c> covers the patients the reader
/// may list (<see cref="PatientService.Visible"/>), recording only those shown on the page.
/// </summary>
public sealed class FhirPatientEntries(FhirPatientAccess gate, PatientService patients, EncounterService encounters, EntryStore store, LedgerNode node)
{
    /// <summary>One patient's entries of <paramref name="category"/>, the read recorded as <paramref name="resource"/>; 403/404 as <see cref="FhirPatientAccess.Open"/>.</summary>
    public Outcome<PatientEntries> Of(UserSession actor, string patientId, ConsentCategories category, string resource)
    {
        var patient = gate.Open(actor, patientId, category, resource);
        if (!patient.IsOk) return patient.As<PatientEntries>();
        var entries = encounters.Entries(actor, patientId, category, resource, record: false);
        return entries.IsOk ? Outcome<PatientEntries>.Ok(new PatientEntries(patient.Value!, entries.Value!)) : entries.As<PatientEntries>();
    }

    /// <summary>
    /// The patient an entry belongs to: from this node's read model, else from the chain (an entry of a patient this node
    /// cannot open still names its patient in plaintext state, so the reader is told 403, not 404). Null when there is no such entry.
    /// </summary>
    public string? PatientOf(string entryId) =>
        store.PatientOf(entryId)
        ?? (Identifiers.IsValid(entryId) && node.GetState(StateKeys.Entry(entryId)) is { } bytes && EntryState.TryDecode(bytes) is { } state ? state.PatientId : null);

    /// <summary>
    /// The entries of <paramref name="category"/> a search covers: of the patients named by the <c>patient</c> (or
    /// <c>subject</c>) parameter, each read recorded as <paramref name="resource"/> (403 when one is not shared), or else of
    /// every patient the reader may list and reaches <paramref name="category"/> of, recorded later by <see cref="RecordShown"/>.
    /// </summary>
    public Outcome<IReadOnlyList<PatientEntries>> ForSearch(UserSession actor, FhirSearch search, ConsentCategories category, string resource)
    {
        var ids = new List<string>();
        foreach (var name in new[] { "patient", "subject" })
        {
            if (!search.Has(name)) continue;
            var (named, error) = search.ReferenceIds(name, "Patient");
            if (error is not null) return Outcome<IReadOnlyList<PatientEntries>>.Invalid(FieldErrors.One(name, error));
            ids = ids.Count == 0 ? [.. named] : ids.Intersect(named, StringComparer.Ordinal).ToList();
            if (ids.Count == 0) return Outcome<IReadOnlyList<PatientEntries>>.Ok([]);
        }
        var result = new List<PatientEntries>();
        if (ids.Count > 0)
        {
            foreach (var id in ids.Distinct(StringComparer.Ordinal))
            {
                var one = Of(actor, id, category, resource);
                if (!one.IsOk) return one.As<IReadOnlyList<PatientEntries>>();
                result.Add(one.Value!);
            }
            return Outcome<IReadOnlyList<PatientEntries>>.Ok(result);
        }
        var visible = patients.Visible(actor);
        if (!visible.IsOk) return visible.As<IReadOnlyList<PatientEntries>>();
        foreach (var p in visible.Value!.Where(p => (p.Shared & category) != 0))
        {
            var entries = encounters.Entries(actor, p.Id, category, resource, record: false);
            if (entries.IsOk) result.Add(new PatientEntries(p, entries.Value!));
        }
        return Outcome<IReadOnlyList<PatientEntries>>.Ok(result);
    }

    /// <summary>Records the patients whose resources a search page shows (when the search did not name them: they were recorded then).</summary>
    public void RecordShown(UserSession actor, FhirSearch search, IEnumerable<PatientView> shown, string resource)
    {
        if (search.Has("patient") || search.Has("subject")) return;
        patients.RecordShown(actor, shown.DistinctBy(p => p.Id, StringComparer.Ordinal).ToList(), resource);
    }
}

/// <summary>A patient as the reader sees them and their entries of the categories read.</summary>
public sealed record PatientEntries(PatientView Patient, IReadOnlyList<EntryView> Entries);
