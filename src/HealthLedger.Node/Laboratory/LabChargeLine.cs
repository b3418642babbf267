namespace HealthLedger.Node.Laboratory;

/// <summary>
/// One priced line of a validated lab order, as the laboratory charges it (sealed in the validation's content, category
/// laboratory, so the patient's organisation reads it): an ordered code (test or panel), its catalogue name and its price
/// (in the consortium's account currency, the same unit as account entries' unit prices) at validation time.
/// </summary>
public sealed record LabChargeLine(string Code, string Name, decimal Price);
