using HealthLedger.Core.Records;

namespace HealthLedger.Node.Consent;

/// <summary>A care relationship as shown to people: the relationship, the doctor's name, whether it works now and whether the patient may end it now.</summary>
public sealed record CareView(CareState Care, string DoctorName, bool Active, bool Revocable);
