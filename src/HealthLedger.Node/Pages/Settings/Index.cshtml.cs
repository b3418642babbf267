using HealthLedger.Core.Model;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Localization;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Settings;

/// <summary>
/// The hospital's settings as this node runs with them (admins, read-only): name, contact details, currency, culture and
/// time zone, with an example of an amount and a time in that format. They are changed in node.json's <c>"hospital"</c>
/// block (or with <c>up</c>'s <c>--hospital-name</c>, <c>--currency</c>, <c>--culture</c>) and take effect at the next start.
/// </summary>
public sealed class SettingsIndexModel(NodeOptions options, LedgerNode node, OrganisationKeys organisation, HospitalFormat format) : HospitalPage
{
    /// <summary>The settings in force.</summary>
    public HospitalSettings Hospital => options.Hospital;

    /// <summary>The name shown in the header: the configured one, else the organisation's on the chain.</summary>
    public string ShownName => options.Hospital.Name is { Length: > 0 } name ? name : OrganisationNames.Of(node, organisation.Id);

    /// <summary>The culture's name in its own language (e.g. "Deutsch (Deutschland)").</summary>
    public string CultureName => format.Culture.NativeName;

    /// <summary>An example amount in the hospital's format.</summary>
    public string MoneyExample => format.Money(1234.5m);

    public IActionResult OnGet() => Me.Role == Role.Admin ? Page() : Denied(null);
}
