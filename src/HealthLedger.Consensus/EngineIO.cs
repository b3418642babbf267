using HealthLedger.Core.Primitives;

namespace HealthLedger.Consensus;

/// <summary>An input to <see cref="TendermintEngine"/>; time is always passed in.</summary>
public abstract record EngineInput(ulong Now)
{
    /// <summary>Begin (or resume) the current height.</summary>
    public sealed record Start(ulong Now) : EngineInput(Now);

    /// <summary>A message arrived from the network (not yet checked).</summary>
    public sealed record Receive(ulong Now, ConsensusMessage Message) : EngineInput(Now);

    /// <summary>A timer set by <see cref="EngineAction.SetTimeout"/> fired.</summary>
    public sealed record Timeout(ulong Now, ulong Height, int Round, Step Step) : EngineInput(Now);

    /// <summary>The host committed the decided value of the current height; go on to the next.</summary>
    public sealed record Committed(ulong Now) : EngineInput(Now);
}

/// <summary>An action the host carries out for <see cref="TendermintEngine"/>, in order.</summary>
public abstract record EngineAction
{
    /// <summary>Durably store this before carrying out the following actions.</summary>
    public sealed record Persist(SafetyState State) : EngineAction;

    /// <summary>Send to every other validator (and process it locally: the engine already has).</summary>
    public sealed record Broadcast(ConsensusMessage Message) : EngineAction;

    /// <summary>Feed <see cref="EngineInput.Timeout"/> at <paramref name="At"/>.</summary>
    public sealed record SetTimeout(ulong At, ulong Height, int Round, Step Step) : EngineAction;

    /// <summary>Peers are further ahead than gossip can bridge: fetch the decisions from <paramref name="FromHeight"/> on (block sync) and feed them in.</summary>
    public sealed record CatchUp(ulong FromHeight) : EngineAction;

    /// <summary>The value is decided at this height, with the precommits that prove it. Commit it, then send <see cref="EngineInput.Committed"/>.</summary>
    public sealed record Decide(ulong Height, int Round, byte[] Value, Hash256 ValueHash, IReadOnlyList<ConsensusMessage> Commit) : EngineAction;
}
