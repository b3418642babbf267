namespace HealthLedger.Node.Emergencies;

/// <summary>
/// <c>POST /api/v1/patients/{patientId}/break-glass</c>: the emergency (omit outside one), a reason code
/// (unconscious, life-threatening, mass-casualty, other), the justification (10 to 1000 bytes of text; sealed for the
/// patient and the custodian organisation, never plaintext on the chain) and the categories (default demographics).
/// </summary>
public sealed class BreakGlassInput
{
    /// <summary>The declared emergency, or null outside one.</summary>
    public string? EmergencyId { get; set; }

    /// <summary>unconscious, life-threatening, mass-casualty or other.</summary>
    public string? Reason { get; set; }

    /// <summary>Why (free text, required).</summary>
    public string? Justification { get; set; }

    /// <summary>demographics and/or reports.</summary>
    public List<string>? Categories { get; set; }
}
