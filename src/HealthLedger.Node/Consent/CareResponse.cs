using HealthLedger.Node.Web;

namespace HealthLedger.Node.Consent;

/// <summary>
/// A care relationship as the API shows it: the doctor, since when, until when (null while admitted under them), whether
/// the patient is admitted under them, when the patient ended it, whether it gives access now and whether the patient may end it now.
/// </summary>
public sealed record CareResponse(string DoctorId, string DoctorName, DateTimeOffset Since, DateTimeOffset? Until, bool Admitted, DateTimeOffset? EndedAt,
    bool Active, bool Revocable, ProofResponse Proof)
{
    /// <summary>The response for <paramref name="c"/>.</summary>
    public static CareResponse From(CareView c) => new(c.Care.DoctorId, c.DoctorName, DateTimeOffset.FromUnixTimeMilliseconds((long)c.Care.Since),
        c.Care.Admitted ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)c.Care.Until), c.Care.Admitted,
        c.Care.EndedAt == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)c.Care.EndedAt), c.Active, c.Revocable, ProofResponse.From(c.Care.Proof));
}
