using HealthLedger.Core.Model;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Pages.Emergencies;

/// <summary>What the emergency pages share: a refusal's field errors as lines, its HTTP status, the active organisations.</summary>
internal static class EmergencyForms
{
    /// <summary>Every field error as "field: message".</summary>
    public static IReadOnlyList<string> Lines(FieldErrors? errors) =>
        (errors?.ToDictionary() ?? new Dictionary<string, string[]>()).SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")).ToList();

    /// <summary>The status a refused form answers with: 400, 404, 422, otherwise 409.</summary>
    public static int StatusOf(OutcomeKind kind) => kind switch
    {
        OutcomeKind.Invalid => 400,
        OutcomeKind.NotFound => 404,
        OutcomeKind.Unprocessable => 422,
        _ => 409,
    };

    /// <summary>The active member organisations, by name.</summary>
    public static IReadOnlyList<OrganisationRecord> ActiveOrganisations(LedgerNode node) =>
        node.ScanState("org/").Select(o => OrganisationRecord.TryDecode(o.Value)).OfType<OrganisationRecord>()
            .Where(o => o.Status == OrganisationStatus.Active).OrderBy(o => o.Name, StringComparer.OrdinalIgnoreCase).ToList();
}
