using HealthLedger.Core.Model;

namespace HealthLedger.Node.Audit;

/// <summary>An auditor of the organisation: user id, organisation, signing key (hex).</summary>
public sealed record AuditorResponse(string Id, string OrganisationId, string SigningKey)
{
    /// <summary>The response for <paramref name="user"/>.</summary>
    public static AuditorResponse From(UserRecord user) => new(user.Id, user.OrganisationId, user.SigningKey.ToString());
}
