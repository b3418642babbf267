using HealthLedger.Node.Fhir;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;

namespace HealthLedger.Node.Tests.Fhir;

/// <summary>How a refused write becomes an OperationOutcome (<see cref="FhirOutcomes.From{T}"/>): each thing said once.</summary>
public class FhirOutcomeTests
{
    [Fact]
    public void A_refusal_whose_message_is_its_field_error_is_one_issue_with_the_expression()
    {
        // An append-only type's update inside a Bundle: the message and the field's error are the same words (they were two issues).
        var message = "Recorded vital signs are append-only: record a new set instead.";
        var result = FhirOutcomes.From(Outcome<Resource>.Unprocessable(FieldErrors.One("Observation", message), message));

        var outcome = Assert.IsType<OperationOutcome>(result.Resource);
        Assert.Equal(422, result.StatusCode);
        var issue = Assert.Single(outcome.Issue);
        Assert.Equal(message, issue.Diagnostics);
        Assert.Equal(["Observation"], issue.Expression);
    }

    [Fact]
    public void A_refusal_with_its_own_message_keeps_it_first_beside_the_field_errors()
    {
        var result = FhirOutcomes.From(Outcome<Resource>.Unprocessable(FieldErrors.One("Patient.birthDate", "The date of birth is in the future."), "The patient was not registered."));

        var outcome = Assert.IsType<OperationOutcome>(result.Resource);
        Assert.Equal(["The patient was not registered.", "The date of birth is in the future."], outcome.Issue.Select(i => i.Diagnostics));
        Assert.Empty(outcome.Issue[0].Expression);
        Assert.Equal(["Patient.birthDate"], outcome.Issue[1].Expression);
    }
}
