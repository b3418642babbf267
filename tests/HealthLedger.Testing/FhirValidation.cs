using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;

namespace HealthLedger.Testing;

/// <summary>
/// Checks FHIR R4 resources against the base profiles with Firely's validator (Firely.Fhir.Validation.R4), offline: the
/// R4 specification comes from the Hl7.Fhir.Specification.Data.R4 package's zip. The resolver and validator are built once
/// per test process (loading the zip takes seconds) and shared; validations run one at a time: the validator's schema
/// cache is not safe to fill from two threads (two test classes validating a Bundle at once failed with "Encountered an error
/// while loading schema …: Collection was modified").
/// </summary>
public static class FhirValidation
{
    private static readonly Lazy<Validator> Shared = new(() =>
    {
        var resolver = new CachedResolver(ZipSource.CreateValidationSource());
        return new Validator(resolver.AsAsync(), new LocalTerminologyService(resolver.AsAsync()));
    });

    private static readonly Lock Gate = new();

    /// <summary>The validator's outcome for <paramref name="resource"/>.</summary>
    public static OperationOutcome Validate(Resource resource)
    {
        lock (Gate) return Shared.Value.Validate(resource);
    }

    /// <summary>
    /// The errors (severity error or fatal) found in <paramref name="resource"/> and, for a Bundle, in every entry's resource,
    /// each as "Type/id: location: message"; empty when everything validates.
    /// </summary>
    public static IReadOnlyList<string> Errors(Resource resource)
    {
        var errors = new List<string>();
        Collect(resource, errors);
        return errors;
    }

    /// <summary>Fails with every error found (see <see cref="Errors"/>).</summary>
    public static void AssertValid(Resource resource)
    {
        var errors = Errors(resource);
        if (errors.Count > 0) throw new InvalidOperationException($"{errors.Count} FHIR validation error(s):\n" + string.Join("\n", errors));
    }

    /// <summary>Parses a JSON resource (throws on anything the R4 model does not know) and asserts it is valid.</summary>
    public static Resource AssertValidJson(string json)
    {
        var resource = new FhirJsonDeserializer().DeserializeResource(json);
        AssertValid(resource);
        return resource;
    }

    /// <summary>Parses an XML resource and asserts it is valid.</summary>
    public static Resource AssertValidXml(string xml)
    {
        var resource = new FhirXmlDeserializer().DeserializeResource(xml);
        AssertValid(resource);
        return resource;
    }

    private static void Collect(Resource resource, List<string> errors)
    {
        var outcome = Validate(resource);
        foreach (var issue in outcome.Issue.Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal))
        {
            errors.Add($"{resource.TypeName}/{resource.Id}: {string.Join(",", issue.Expression)}: {issue.Details?.Text ?? issue.Diagnostics}");
        }
        if (resource is Bundle bundle)
        {
            foreach (var entry in bundle.Entry) { if (entry.Resource is { } r) Collect(r, errors); }
        }
    }
}
