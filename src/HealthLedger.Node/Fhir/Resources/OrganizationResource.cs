using HealthLedger.Core.Model;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Resources;

/// <summary>
/// <c>Organization</c> (FHIR R4 organization.html) from the member organisations on the chain (plaintext state every node
/// holds, an institution's data, not a patient's): id and <c>identifier</c> (<see cref="IdentifierSystem"/>) the organisation
/// id, name, type (<c>prov</c> with HealthLedger's own type: hospital, laboratory, pharmacy, clinic, rescuer), the
/// administrators' contact, <c>active</c> while the consortium has not suspended or removed it. Every signed-in user may read them.
/// </summary>
public sealed class OrganizationResource(FhirDirectory directory) : IFhirResourceType
{
    /// <summary>The identifier system of organisation ids.</summary>
    public const string IdentifierSystem = "https://healthledger.example/fhir/NamingSystem/organisation";

    /// <summary>HealthLedger's organisation types.</summary>
    public const string TypeSystem = FhirMeta.CodeSystem + "/organisation-type";

    /// <inheritdoc />
    public string TypeName => "Organization";

    /// <inheritdoc />
    public string Documentation => "The consortium's member organisations (hospitals, laboratories, pharmacies, clinics, rescue services), from the chain.";

    /// <inheritdoc />
    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } =
    [
        new("name", SearchParamType.String, "Any part of the name: starts-with at a word, case and accents ignored; :exact, :contains.", "exact", "contains"),
        new("identifier", SearchParamType.Token, "The organisation id (" + IdentifierSystem + "|id or id)."),
    ];

    /// <inheritdoc />
    public IReadOnlyList<FhirInclude> Includes { get; } = [];

    /// <inheritdoc />
    public Outcome<Resource> Read(UserSession actor, string id) =>
        FhirIds.Ledger(id) is { } organisationId && directory.Organisation(organisationId) is { } organisation ? Outcome<Resource>.Ok(ToFhir(organisation)) : Outcome<Resource>.NotFound($"Organization {Missing.Shown(id)} does not exist.");

    /// <inheritdoc />
    public Outcome<FhirMatches> Search(UserSession actor, FhirSearch search)
    {
        var ids = search.AnyOf("_id");
        var matches = directory.Organisations()
            .Where(o => ids.Count == 0 || ids.Contains(FhirIds.Of(o.Id), StringComparer.Ordinal))
            .Where(o => search.MatchesString("name", o.Name))
            .Where(o => search.MatchesToken("identifier", (IdentifierSystem, o.Id)))
            .ToList();
        return Outcome<FhirMatches>.Ok(FhirMatches.Of(matches, search, page => page.Select(o => (Resource)ToFhir(o))));
    }

    /// <summary>The FHIR Organization of a member record.</summary>
    public static Organization ToFhir(OrganisationRecord o)
    {
        var type = o.Type.ToString().ToLowerInvariant();
        var organization = new Organization
        {
            Id = FhirIds.Of(o.Id),
            Identifier = [new Identifier(IdentifierSystem, o.Id)],
            Active = o.Status == OrganisationStatus.Active,
            Name = o.Name,
            Type =
            [
                new CodeableConcept
                {
                    Coding = [new Coding("http://terminology.hl7.org/CodeSystem/organization-type", "prov", "Healthcare Provider"), new Coding(TypeSystem, type, o.Type.ToString())],
                    Text = o.Type.ToString(),
                },
            ],
        };
        if (o.Contact.Length > 0) organization.Telecom.Add(new ContactPoint(ContactPoint.ContactPointSystem.Other, ContactPoint.ContactPointUse.Work, o.Contact));
        return organization;
    }
}
