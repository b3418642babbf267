namespace HealthLedger.Core.Emergencies;

/// <summary>Why the glass was broken (the coded half of the justification; the free text is sealed). Values are stored on the chain and never renumbered.</summary>
public enum BreakGlassReason : byte
{
    /// <summary>The patient is unconscious or cannot consent.</summary>
    Unconscious = 1,
    /// <summary>A life-threatening condition needs the summary now.</summary>
    LifeThreatening = 2,
    /// <summary>Mass-casualty triage in a declared emergency.</summary>
    MassCasualty = 3,
    /// <summary>Another reason (explained in the sealed justification).</summary>
    Other = 4,
}
