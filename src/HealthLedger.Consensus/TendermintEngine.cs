using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Consensus;

/// <summary>
/// Byzantine-fault-tolerant agreement on one value per height, following Buchman, Kwon and Milosevic, "The latest gossip on
/// BFT consensus" (2018; Tendermint), Algorithm 1, for any number n of equally weighted validators: safe with up to
/// f = ⌊(n − 1)/3⌋ arbitrary validators, live once a quorum of honest ones can talk within the (growing) timeouts. Every
/// "2f + 1" of the paper is the quorum <see cref="ValidatorSet.Quorum"/> (⌊2n/3⌋ + 1, which is 2f + 1 when n = 3f + 1 and
/// keeps two quorums sharing f + 1 validators for every other n too); every "f + 1" is f + 1. The proposer rotates with height and
/// round. A pure state machine: inputs (messages, timeouts, the time) in, actions (persist, broadcast, set timeout, decide)
/// out; it signs and verifies but does no I/O and reads no clock. With n = 1 it decides in one step.
/// </summary>
public sealed class TendermintEngine
{
    private readonly string _networkId;
    private readonly IReadOnlyList<SigningPublicKey> _validators;
    private readonly HashSet<SigningPublicKey> _validatorSet;
    private readonly SigningKeyPair _me;
    private readonly Func<ulong, byte[]> _propose;
    private readonly Func<ulong, byte[], bool> _isValid;
    private readonly Func<byte[], Hash256> _hashOf;
    private readonly EngineTimeouts _timeouts;
    private readonly int _f;
    private readonly int _quorum;
    private readonly List<EngineAction> _out = [];

    private ulong _height;
    private int _round;
    private Step _step;
    private int _lockedRound;
    private byte[]? _lockedValue;
    private int _validRound;
    private byte[]? _validValue;
    private Dictionary<(MessageType Type, int Round), Hash256> _signed;
    private bool _decided;

    // Every distinct proposal seen per round, in arrival order (an equivocating proposer may send several; the network may
    // decide any of them, so none is thrown away — at most a few per round, to bound memory).
    private readonly Dictionary<int, List<ConsensusMessage>> _proposals = [];
    private const int MaxProposalsPerRound = 4;
    // Votes per (type, round), keyed by (sender, value). An equivocating validator may appear with two values: it counts
    // toward each (two quorums still share an honest validator), so a certificate others decided on is never lost.
    private readonly Dictionary<(MessageType Type, int Round), Dictionary<(SigningPublicKey Sender, Hash256 Value), ConsensusMessage>> _votes = [];
    private readonly Dictionary<Hash256, bool> _validity = [];
    private readonly HashSet<int> _prevoteTimeoutSet = [];
    private readonly HashSet<int> _precommitTimeoutSet = [];
    private readonly HashSet<int> _lockedInRound = [];
    private readonly List<ConsensusMessage> _future = [];
    private readonly HashSet<Signature64> _futureKnown = [];
    private readonly List<ConsensusMessage> _own = [];
    private IReadOnlyList<ConsensusMessage> _lastCommit = [];
    private readonly Dictionary<ulong, IReadOnlyList<ConsensusMessage>> _history = [];

    /// <summary>How many past decisions an engine keeps to help peers catch up (older ones come from block sync).</summary>
    public const int HistoryLength = 1024;

    /// <summary>Creates an engine at the state a node persisted (or <see cref="SafetyState.Fresh"/>).</summary>
    public TendermintEngine(string networkId, IReadOnlyList<SigningPublicKey> validators, SigningKeyPair me, Func<ulong, byte[]> propose,
        Func<ulong, byte[], bool> isValid, Func<byte[], Hash256> hashOf, EngineTimeouts timeouts, SafetyState state)
    {
        if (validators.Count == 0) throw new ArgumentException("At least one validator is needed.", nameof(validators));
        _networkId = networkId;
        _validators = validators;
        _validatorSet = [.. validators];
        _me = me;
        _propose = propose;
        _isValid = isValid;
        _hashOf = hashOf;
        _timeouts = timeouts;
        _f = ValidatorSet.FaultsTolerated(validators.Count);
        _quorum = ValidatorSet.Quorum(validators.Count);
        _height = state.Height;
        _round = state.Round;
        _step = state.Step;
        _lockedRound = state.LockedRound;
        _lockedValue = state.LockedValue;
        // A state persisted by an older build may hold a lock without a valid value; the locked value is also valid.
        _validRound = state.ValidValue is null && state.LockedValue is not null ? state.LockedRound : state.ValidRound;
        _validValue = state.ValidValue ?? state.LockedValue;
        _signed = new Dictionary<(MessageType, int), Hash256>(state.Signed);
        // The votes signed at this height before a restart are rebuilt (Ed25519 signatures are deterministic: the same bytes
        // as the first time), so they count here again and gossip re-sends them: a peer may need one for a polka or a proof
        // of lock, and the votes received before the crash are gone.
        foreach (var ((type, round), hash) in _signed.Where(s => s.Key.Type != MessageType.Proposal).OrderBy(s => s.Key.Round).ThenBy(s => s.Key.Type))
        {
            var vote = ConsensusMessage.Create(_networkId, _me, type, _height, round, hash, -1, null);
            _own.Add(vote);
            Accept(vote);
        }
    }

    /// <summary>The height being decided.</summary>
    public ulong Height => _height;

    /// <summary>The current round.</summary>
    public int Round => _round;

    /// <summary>The current step.</summary>
    public Step Step => _step;

    /// <summary>True once the current height is decided and the engine waits for <see cref="EngineInput.Committed"/>.</summary>
    public bool Decided => _decided;

    /// <summary>
    /// How many validators' votes of <paramref name="type"/> (for any value, nil included) this engine holds for the current
    /// height and round, its own included: with fewer than a quorum of prevotes a round cannot move on, so this shows how far it got.
    /// </summary>
    public int Voters(MessageType type) => CountAll(type, _round);

    /// <summary>What was refused or noticed.</summary>
    public EngineStats Stats { get; } = new();

    /// <summary>
    /// What the host re-sends to peers periodically while its height and round do not move (gossip), so that every honest
    /// validator eventually holds the votes any honest one holds — the assumption of Tendermint's liveness proof, which one
    /// equivocating or withholding validator otherwise breaks (it sends a vote to some validators only, they lock on it,
    /// the others never see why). In order: the precommits and proposal that decided the previous height; then, while the
    /// current height is undecided, the votes this node holds of the rounds that matter (<see cref="RelayedRounds"/>: the
    /// current and previous round, its lock and valid rounds, the proof-of-lock round of a current proposal), its own and
    /// relayed others' alike — they are signed, so relaying is safe, and a receiver re-checks every signature — then the
    /// proposals of the current round and this node's own messages of the height (with the proof of lock it sent with a
    /// re-proposed value). Bounded: at most <see cref="MaxRelayedRounds"/> rounds × 2 vote types × the votes kept per
    /// round (two per validator, more only for values more than f others back), plus <see cref="MaxProposalsPerRound"/>
    /// proposals; votes of other rounds are not relayed (a lagging validator follows f + 1 of the current round).
    /// </summary>
    public IReadOnlyList<ConsensusMessage> Gossip()
    {
        var result = new List<ConsensusMessage>(_lastCommit);
        if (_decided) return [.. result, .. _own];
        var added = new HashSet<ConsensusMessage>(ReferenceEqualityComparer.Instance);
        foreach (var round in RelayedRounds())
        {
            foreach (var type in (ReadOnlySpan<MessageType>)[MessageType.Prevote, MessageType.Precommit])
            {
                if (!_votes.TryGetValue((type, round), out var votes)) continue;
                foreach (var vote in votes.Values)
                {
                    if (added.Add(vote)) result.Add(vote);
                }
            }
        }
        // Proposals after the votes: a peer that caught a flood of proposals admits the one a quorum voted for.
        if (_proposals.TryGetValue(_round, out var proposals))
        {
            foreach (var p in proposals)
            {
                if (added.Add(p)) result.Add(p);
            }
        }
        foreach (var m in _own)
        {
            if (added.Add(m)) result.Add(m);
        }
        return result;
    }

    /// <summary>How many rounds' votes <see cref="Gossip"/> relays at most.</summary>
    public const int MaxRelayedRounds = 4 + MaxProposalsPerRound;

    // The rounds whose votes are relayed: the current and the previous one (a peer a round behind follows), the lock and
    // valid rounds (the proof of lock this node may re-propose or be asked for), and the valid round each proposal of the
    // current round names (its proof of lock, without which an honest validator cannot prevote for it).
    private IEnumerable<int> RelayedRounds()
    {
        var rounds = new List<int> { _round, _round - 1, _validRound, _lockedRound };
        if (_proposals.TryGetValue(_round, out var proposals)) rounds.AddRange(proposals.Select(p => p.ValidRound));
        return rounds.Where(r => r >= 0 && r <= _round).Distinct();
    }

    /// <summary>The proposal and precommits that decided <paramref name="height"/>, if still kept: what a lagging peer needs.</summary>
    public IReadOnlyList<ConsensusMessage> DecisionAt(ulong height) => _history.TryGetValue(height, out var d) ? d : [];

    /// <summary>The proposer of a height and round.</summary>
    public SigningPublicKey Proposer(ulong height, int round) => _validators[(int)((height + (ulong)round) % (ulong)_validators.Count)];

    private int Quorum => _quorum;

    /// <summary>Handles one input and returns the actions, in order.</summary>
    public IReadOnlyList<EngineAction> Handle(EngineInput input)
    {
        _out.Clear();
        switch (input)
        {
            case EngineInput.Start s:
                StartRound(_round, s.Now);
                break;
            case EngineInput.Receive r:
                Receive(r.Message, r.Now);
                break;
            case EngineInput.Timeout t:
                OnTimeout(t);
                break;
            case EngineInput.Committed c when _decided:
                NextHeight(c.Now);
                break;
        }
        return [.. _out];
    }

    private void Receive(ConsensusMessage m, ulong now)
    {
        if (m.Height < _height || (m.Height == _height && _decided))
        {
            Stats.Stale++;
            return;
        }
        if (!_validatorSet.Contains(m.Sender))
        {
            Stats.UnknownSenders++;
            return;
        }
        if (m.Height == _height && IsKnown(m)) return; // a re-sent copy (gossip): the same bytes were verified already
        if (m.Height == _height + 1 && _futureKnown.Contains(m.Signature)) return; // the same for the next height
        if (!m.VerifySignature(_networkId))
        {
            Stats.BadSignatures++;
            return;
        }
        if (m.Height > _height)
        {
            if (m.Height == _height + 1 && _future.Count < 100_000)
            {
                _future.Add(m);
                _futureKnown.Add(m.Signature);
            }
            else
            {
                Stats.TooFarAhead++;
                _out.Add(new EngineAction.CatchUp(_height));
            }
            return;
        }
        if (Accept(m)) Evaluate(now);
    }

    // True when this exact message (same signature) is already recorded.
    private bool IsKnown(ConsensusMessage m)
    {
        if (m.Type == MessageType.Proposal)
        {
            return _proposals.TryGetValue(m.Round, out var list) && list.Exists(p => p.ValueHash == m.ValueHash && p.Sender == m.Sender && p.Signature == m.Signature);
        }
        return _votes.TryGetValue((m.Type, m.Round), out var votes) && votes.TryGetValue((m.Sender, m.ValueHash), out var known) && known.Signature == m.Signature;
    }

    // Records a checked message of the current height; false when it adds nothing.
    private bool Accept(ConsensusMessage m)
    {
        if (m.Type == MessageType.Proposal)
        {
            if (m.Sender != Proposer(m.Height, m.Round))
            {
                Stats.WrongProposer++;
                return false;
            }
            if (_hashOf(m.Value) != m.ValueHash)
            {
                Stats.BadValueHash++;
                return false;
            }
            if (!_proposals.TryGetValue(m.Round, out var list)) _proposals[m.Round] = list = [];
            if (list.Any(p => p.ValueHash == m.ValueHash)) return false;
            if (list.Count > 0) Stats.Equivocations++;
            // Past the cap (a Byzantine proposer spamming values) only a proposal that a quorum already voted for gets in,
            // so the value the network decided is never crowded out.
            if (list.Count >= MaxProposalsPerRound && Count(MessageType.Precommit, m.Round, m.ValueHash) < Quorum
                && Count(MessageType.Prevote, m.Round, m.ValueHash) < Quorum) return false;
            list.Add(m);
            return true;
        }
        var key = (m.Type, m.Round);
        if (!_votes.TryGetValue(key, out var votes)) _votes[key] = votes = [];
        if (votes.ContainsKey((m.Sender, m.ValueHash))) return false;
        var fromSender = votes.Keys.Count(k => k.Sender == m.Sender);
        if (fromSender > 0) Stats.Equivocations++;
        // A sender counts for at most two values, unless more than f others back the value (so an honest one does): then a
        // certificate or proof of lock relayed from a peer is never refused because an equivocator got in first.
        if (fromSender >= 2 && votes.Keys.Count(k => k.Value == m.ValueHash) < _f + 1) return false;
        votes[(m.Sender, m.ValueHash)] = m;
        return true;
    }

    private void StartRound(int round, ulong now)
    {
        _round = round;
        _step = Step.Propose;
        if (Proposer(_height, round) == _me.PublicKey && !_signed.ContainsKey((MessageType.Proposal, round)))
        {
            // A proposer proposes once per round: a restarted one that already proposed (and lost the value) stays silent
            // rather than equivocate; the propose timeout of the others moves the round on.
            var value = _validValue ?? _propose(_height);
            var proposal = ConsensusMessage.Create(_networkId, _me, MessageType.Proposal, _height, round, _hashOf(value), _validValue is null ? -1 : _validRound, value);
            _signed[(MessageType.Proposal, round)] = proposal.ValueHash;
            _out.Add(new EngineAction.Persist(Snapshot()));
            _own.Add(proposal);
            _out.Add(new EngineAction.Broadcast(proposal));
            Accept(proposal);
            // A re-proposed valid value goes out with its proof of lock: the prevotes of its valid round. A validator that
            // missed some of them (an equivocator sent them to others only) could otherwise never accept it, and
            // validators locked on it would prevote nil for ever (Tendermint's ProposalPOL).
            if (_validValue is not null && _votes.TryGetValue((MessageType.Prevote, _validRound), out var prevotes))
            {
                foreach (var pol in prevotes.Values.Where(v => v.ValueHash == proposal.ValueHash && v.Sender != _me.PublicKey))
                {
                    _own.Add(pol);
                    _out.Add(new EngineAction.Broadcast(pol));
                }
            }
        }
        // Every validator waits at most the propose timeout, the proposer too (as CometBFT does; the paper's proposer sets
        // none): a proposer that cannot prevote its own proposal — a re-proposed valid value whose proof of lock it lost
        // in a crash — would otherwise wait in this step for ever, and with n = 1 nothing else would move it.
        _out.Add(new EngineAction.SetTimeout(now + _timeouts.For(round), _height, round, Step.Propose));
        Evaluate(now);
    }

    private void Evaluate(ulong now)
    {
        for (var changed = true; changed && !_decided;)
        {
            changed = TryDecide() || TrySkipRound(now) || TryProposalRules() || TryPrevoteRules(now) || TryPrecommitTimeout(now);
        }
    }

    // Lines 22 and 28: prevote for the round's proposal, respecting the lock.
    private bool TryProposalRules()
    {
        if (_step != Step.Propose || !_proposals.TryGetValue(_round, out var proposals)) return false;
        foreach (var p in proposals)
        {
            if (p.ValidRound == -1)
            {
                var ok = IsValid(p) && (_lockedRound == -1 || SameValue(_lockedValue, p.ValueHash));
                Vote(MessageType.Prevote, ok ? p.ValueHash : Hash256.Zero);
                _step = Step.Prevote;
                return true;
            }
            if (p.ValidRound >= 0 && p.ValidRound < _round && Count(MessageType.Prevote, p.ValidRound, p.ValueHash) >= Quorum)
            {
                var ok = IsValid(p) && (_lockedRound <= p.ValidRound || SameValue(_lockedValue, p.ValueHash));
                Vote(MessageType.Prevote, ok ? p.ValueHash : Hash256.Zero);
                _step = Step.Prevote;
                return true;
            }
        }
        return false;
    }

    // Lines 34, 36 and 44.
    private bool TryPrevoteRules(ulong now)
    {
        var p = _step >= Step.Prevote && !_lockedInRound.Contains(_round) && _proposals.TryGetValue(_round, out var inRound)
            ? inRound.FirstOrDefault(x => Count(MessageType.Prevote, _round, x.ValueHash) >= Quorum && IsValid(x))
            : null;
        if (p is not null)
        {
            _lockedInRound.Add(_round);
            // The valid value is set before the precommit is signed, so the state persisted with that vote holds it: a
            // restarted proposer re-proposes the value it is locked on instead of a new one it would itself refuse.
            _validValue = p.Value;
            _validRound = _round;
            if (_step == Step.Prevote)
            {
                _lockedValue = p.Value;
                _lockedRound = _round;
                Vote(MessageType.Precommit, p.ValueHash);
                _step = Step.Precommit;
            }
            return true;
        }
        if (_step == Step.Prevote && Count(MessageType.Prevote, _round, Hash256.Zero) >= Quorum)
        {
            Vote(MessageType.Precommit, Hash256.Zero);
            _step = Step.Precommit;
            return true;
        }
        if (_step == Step.Prevote && !_prevoteTimeoutSet.Contains(_round) && CountAll(MessageType.Prevote, _round) >= Quorum)
        {
            _prevoteTimeoutSet.Add(_round);
            _out.Add(new EngineAction.SetTimeout(now + _timeouts.For(_round), _height, _round, Step.Prevote));
            return true;
        }
        return false;
    }

    // Line 47.
    private bool TryPrecommitTimeout(ulong now)
    {
        if (_precommitTimeoutSet.Contains(_round) || CountAll(MessageType.Precommit, _round) < Quorum) return false;
        _precommitTimeoutSet.Add(_round);
        _out.Add(new EngineAction.SetTimeout(now + _timeouts.For(_round), _height, _round, Step.Precommit));
        return true;
    }

    // Line 49: any round's proposal with a quorum of precommits for it decides.
    private bool TryDecide()
    {
        foreach (var (round, p) in _proposals.OrderBy(p => p.Key).SelectMany(p => p.Value.Select(v => (p.Key, v))))
        {
            if (Count(MessageType.Precommit, round, p.ValueHash) < Quorum || !IsValid(p)) continue;
            _decided = true;
            var commit = _votes[(MessageType.Precommit, round)].Values.Where(v => v.ValueHash == p.ValueHash)
                .OrderBy(v => v.Sender).ToList();
            _out.Add(new EngineAction.Decide(_height, round, p.Value, p.ValueHash, commit));
            _lastCommit = [.. commit, p]; // votes first: a peer that caught a flood of proposals admits the decided one by its quorum
            _history[_height] = _lastCommit;
            _history.Remove(_height - HistoryLength);
            return true;
        }
        return false;
    }

    // Line 55: f+1 validators are in a later round: catch up.
    private bool TrySkipRound(ulong now)
    {
        var later = _votes.Where(v => v.Key.Round > _round).SelectMany(v => v.Value.Values)
            .Concat(_proposals.Where(p => p.Key > _round).SelectMany(p => p.Value))
            .GroupBy(m => m.Round).OrderBy(g => g.Key)
            .FirstOrDefault(g => g.Select(m => m.Sender).Distinct().Count() >= _f + 1);
        if (later is null) return false;
        StartRound(later.Key, now);
        return true;
    }

    private void OnTimeout(EngineInput.Timeout t)
    {
        if (_decided || t.Height != _height || t.Round != _round) return;
        switch (t.Step)
        {
            case Step.Propose when _step == Step.Propose:
                Vote(MessageType.Prevote, Hash256.Zero);
                _step = Step.Prevote;
                Evaluate(t.Now);
                break;
            case Step.Prevote when _step == Step.Prevote:
                Vote(MessageType.Precommit, Hash256.Zero);
                _step = Step.Precommit;
                Evaluate(t.Now);
                break;
            case Step.Precommit:
                StartRound(_round + 1, t.Now);
                break;
        }
    }

    private void NextHeight(ulong now)
    {
        _height++;
        _round = 0;
        _lockedRound = _validRound = -1;
        _lockedValue = _validValue = null;
        _signed = [];
        _decided = false;
        _proposals.Clear();
        _votes.Clear();
        _validity.Clear();
        _prevoteTimeoutSet.Clear();
        _precommitTimeoutSet.Clear();
        _lockedInRound.Clear();
        _own.Clear();
        var buffered = _future.ToList();
        _future.Clear();
        _futureKnown.Clear();
        foreach (var m in buffered.Where(m => m.Height == _height)) Accept(m);
        _out.Add(new EngineAction.Persist(Snapshot()));
        StartRound(0, now);
    }

    // Signs a vote at most once per (type, round): a restarted node re-sends the vote it signed before, never a conflicting one.
    private void Vote(MessageType type, Hash256 valueHash)
    {
        if (_signed.TryGetValue((type, _round), out var already) && already != valueHash)
        {
            Stats.RefusedToResign++;
            valueHash = already;
        }
        _signed[(type, _round)] = valueHash;
        _out.Add(new EngineAction.Persist(Snapshot()));
        var vote = ConsensusMessage.Create(_networkId, _me, type, _height, _round, valueHash, -1, null);
        if (!_own.Exists(m => m.Type == type && m.Round == _round && m.ValueHash == valueHash)) _own.Add(vote); // not twice after a restart
        _out.Add(new EngineAction.Broadcast(vote));
        Accept(vote);
    }

    private SafetyState Snapshot() => new(_height, _round, _step, _lockedRound, _lockedValue, _validRound, _validValue, new Dictionary<(MessageType, int), Hash256>(_signed));

    private bool IsValid(ConsensusMessage proposal)
    {
        if (!_validity.TryGetValue(proposal.ValueHash, out var ok))
        {
            ok = _isValid(_height, proposal.Value);
            if (!ok) Stats.InvalidValues++;
            _validity[proposal.ValueHash] = ok;
        }
        return ok;
    }

    private bool SameValue(byte[]? value, Hash256 hash) => value is not null && _hashOf(value) == hash;

    private int Count(MessageType type, int round, Hash256 hash) =>
        _votes.TryGetValue((type, round), out var v) ? v.Keys.Count(k => k.Value == hash) : 0;

    private int CountAll(MessageType type, int round) => _votes.TryGetValue((type, round), out var v) ? v.Keys.Select(k => k.Sender).Distinct().Count() : 0;
}
