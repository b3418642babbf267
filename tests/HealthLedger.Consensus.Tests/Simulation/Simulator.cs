using System.Buffers.Binary;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Consensus.Tests.Simulation;

/// <summary>Which Byzantine behaviours a faulty validator shows.</summary>
[Flags]
public enum Byzantine
{
    None = 0,
    Equivocate = 1,      // two real values: one proposal or vote to half the honest nodes, another to the other half
    Forge = 2,           // messages claiming to come from honest validators
    Replay = 4,          // re-sends old messages of earlier heights and rounds
    InvalidValues = 8,   // proposes values that fail validation (a wrong state root)
    Withhold = 16,       // sends nothing at all
    Garbage = 32,        // random bytes
    Selective = 64,      // sends its proposals and votes to some honest validators only (the same ones all run long)
    ProposesForgedGrant = 128, // proposes well-formed values holding a grant of a patient's records to its own organisation, signed by that organisation, not the patient
    All = Equivocate | Forge | Replay | InvalidValues | Garbage | ProposesForgedGrant,
}

/// <summary>
/// A member organisation of the simulated consortium: it runs one node (one validator), and a Byzantine organisation is the
/// whole organisation — its node's key and its organisation key are both the adversary's.
/// </summary>
/// <param name="Index">Its node's index (validator order).</param>
/// <param name="Name">A name, for reports.</param>
/// <param name="Byzantine">True when the organisation is faulty.</param>
public sealed record Organisation(int Index, string Name, bool Byzantine)
{
    private static readonly string[] Names = ["General Hospital", "St Mary Hospital", "City Lab", "Green Pharmacy", "Riverside Clinic", "North Rescue", "Hill Hospital",
        "Harbour Lab", "Lake Pharmacy", "Park Clinic", "East Hospital", "West Lab", "Valley Pharmacy"];

    /// <summary>The organisation of node <paramref name="index"/>.</summary>
    public static string NameOf(int index) => index < Names.Length ? Names[index] : $"Organisation {index}";
}

/// <summary>
/// A seeded, deterministic network of <see cref="TendermintEngine"/>s: message loss, delay, duplication and reordering,
/// partitions that heal, crashes (also between persisting and sending) and restarts from the persisted state, and
/// Byzantine validators — each node is one member organisation's (<see cref="Organisations"/>), so a Byzantine validator is a
/// Byzantine organisation. Until the global stabilisation time (GST) the network is hostile; after it, honest nodes are
/// connected with bounded delay. Every decision and every honest signature is checked by an independent
/// <see cref="SafetyOracle"/>; a run lasts until every honest node decided a fixed number of heights after GST.
/// </summary>
public sealed class Simulator
{
    private const string Network = "sim-net";
    private readonly Random _random;
    private readonly int _n;
    private readonly int _byzantineCount;
    private readonly Byzantine _behaviour;
    private readonly Node[] _nodes;
    private readonly PriorityQueue<Event, (ulong, long)> _events = new();
    private readonly List<byte[]> _seen = [];
    private readonly SafetyOracle _oracle;
    // The values proposed per (height, round), as a coalition of Byzantine validators watching the network knows them.
    private readonly Dictionary<(ulong Height, int Round), List<Hash256>> _proposed = [];
    private int? _target;
    // Each equivocation is decided once per (sender, type, height, round): exactly two values, re-sent alike by gossip.
    private readonly Dictionary<(int Node, MessageType Type, ulong Height, int Round), (byte[] First, byte[] Second)> _splits = [];
    private readonly HashSet<int> _audience;
    private long _sequence;
    private ulong _now;

    public Simulator(int seed, int n, int byzantine, Byzantine behaviour, ulong gst = 1_200)
    {
        _random = new Random(seed);
        _n = n;
        _byzantineCount = byzantine;
        _behaviour = behaviour;
        Gst = gst;
        var keys = Enumerable.Range(0, n).Select(i => SigningKeyPair.FromSeed(Seed(seed, i))).ToArray();
        Validators = keys.Select(k => k.PublicKey).ToArray();
        _nodes = keys.Select((k, i) => new Node(i, k, i >= n - byzantine)).ToArray();
        Organisations = _nodes.Select(x => new Organisation(x.Index, Organisation.NameOf(x.Index), x.Faulty)).ToArray();
        // A selective Byzantine validator's audience: a random half (at least one) of the honest validators.
        var honest = _nodes.Where(x => !x.Faulty).ToList();
        _audience = [.. honest.OrderBy(_ => _random.Next()).Take(Math.Max(1, honest.Count / 2)).Select(x => x.Index)];
        foreach (var node in _nodes) node.Engine = NewEngine(node, SafetyState.Fresh(1));
        _oracle = new SafetyOracle(Network, Validators, IsValid);
    }

    public ulong Gst { get; }
    public IReadOnlyList<SigningPublicKey> Validators { get; }

    /// <summary>The member organisations, one node each, in validator order; the Byzantine ones last.</summary>
    public IReadOnlyList<Organisation> Organisations { get; }
    public SimulationStats Stats { get; } = new();

    /// <summary>The safety oracle of this run.</summary>
    public SafetyOracle Oracle => _oracle;

    /// <summary>
    /// Runs through GST and on until every honest node decided <paramref name="heights"/> more heights than the furthest
    /// honest node had decided at GST, or the simulated time runs out; returns whether they all did. Safety violations
    /// throw <see cref="SafetyViolation"/>.
    /// </summary>
    public bool Run(int heights, ulong timeLimit = 30_000)
    {
        foreach (var node in _nodes)
        {
            Apply(node, node.Engine!.Handle(new EngineInput.Start(0)));
            ScheduleGossip(node, (ulong)_random.Next(100, 300));
        }
        ScheduleFaults();
        At(Gst, new Event(s => s._target = s._nodes.Where(x => !x.Faulty).Max(x => x.Decisions.Count) + heights));
        while (_events.TryDequeue(out var e, out var at) && at.Item1 <= timeLimit)
        {
            _now = at.Item1;
            e.Act(this);
            if (_target is { } target && _nodes.Where(x => !x.Faulty).All(x => x.Decisions.Count >= target)) return true;
        }
        return false;
    }

    /// <summary>Heights every honest node had to reach (set at GST), for reports.</summary>
    public int? Target => _target;

    private void ScheduleFaults()
    {
        if (Gst < 1000) return;
        // A partition before GST: a random minority is cut off for a while, then the network heals.
        if (_random.NextDouble() < 0.5)
        {
            var cut = Enumerable.Range(0, _n).OrderBy(_ => _random.Next()).Take(_random.Next(1, _n / 2 + 1)).ToHashSet();
            var from = (ulong)_random.Next(0, (int)Gst / 2);
            At(from, new Event(s => { s._partition = cut; s.Stats.Partitions++; }));
            At(from + (ulong)_random.Next(200, (int)Gst / 2), new Event(s => s._partition = null));
        }
        // Crashes and restarts of honest nodes before GST (at most f at a time keeps the rest live, but safety must hold anyway).
        foreach (var node in _nodes.Where(x => !x.Faulty).OrderBy(_ => _random.Next()).Take(_random.Next(0, 2)))
        {
            var down = (ulong)_random.Next(0, (int)Gst);
            At(down, new Event(s => s.Crash(node)));
            At(down + (ulong)_random.Next(50, 1500), new Event(s => s.Restart(node)));
        }
    }

    private HashSet<int>? _partition;

    // The host's gossip: when its height and round have not moved for 600 ms (checked every 300 ms), a node re-sends its
    // own messages of the current height and the previous decision. Its block sync: a node whose height has not moved for
    // a second fetches the decision of its height from a peer's store.
    private void ScheduleGossip(Node node, ulong at) => At(at, new Event(s =>
    {
        if (node.Up)
        {
            var engine = node.Engine!;
            if ((engine.Height, engine.Round) != node.PositionSeen) (node.PositionSeen, node.PositionSince) = ((engine.Height, engine.Round), s._now);
            else if (s._now - node.PositionSince >= 600)
            {
                foreach (var m in engine.Gossip()) s.Send(node, m);
            }
            if (engine.Height != node.HeightSeen) (node.HeightSeen, node.HeightSince) = (engine.Height, s._now);
            else if (s._now - node.HeightSince >= 1000) s.Sync(node, engine.Height);
        }
        s.ScheduleGossip(node, s._now + 300);
    }));

    // Block sync: a random peer hands over the decision (precommits and proposal) of a height from its store.
    private void Sync(Node node, ulong height)
    {
        if (_now < node.NextSync) return;
        node.NextSync = _now + 100;
        var peer = _nodes[_random.Next(_nodes.Length)];
        if (peer == node || !peer.Up || !peer.Store.TryGetValue(height, out var decision)) return;
        Stats.Syncs++;
        foreach (var m in decision)
        {
            var bytes = m.Encode();
            At(_now + (ulong)_random.Next(1, 50), new Event(s =>
            {
                if (node.Up && ConsensusMessage.TryDecode(bytes) is { } decoded) s.Apply(node, node.Engine!.Handle(new EngineInput.Receive(s._now, decoded)));
            }));
        }
    }

    private TendermintEngine NewEngine(Node node, SafetyState state) =>
        new(Network, Validators, node.Key, h => ProposeValue(node, h), (h, v) => Validate(node, h, v), v => Hashing.Sha256(v), new EngineTimeouts(200, 100), state);

    // An honest node's validity check: the application's, counting the forged grants it refuses.
    private bool Validate(Node node, ulong height, byte[] value)
    {
        var valid = IsValid(height, value);
        if (!valid && !node.Faulty && IsForgedGrant(value)) Stats.ForgedGrantsRefused++;
        return valid;
    }

    // A value: height (8 bytes) · proposer (1; 0xFF marks a wrong state root) · kind (1: 0 a batch, 1 a grant) · grantee
    // organisation (1) · grant signer (1: 0xFE the patient, else the organisation that signed it) · random (12).
    private const int ValueBytes = 24;
    private const byte GrantKind = 1;
    private const byte PatientSigner = 0xFE;

    private byte[] ProposeValue(Node node, ulong height)
    {
        var value = new byte[ValueBytes];
        BinaryPrimitives.WriteUInt64BigEndian(value, height);
        value[8] = (byte)node.Index;
        _random.NextBytes(value.AsSpan(9));
        // A quarter of the honest batches hold a grant a patient signed (to a random organisation); the rest hold none.
        if (value[9] >= 0xC0) (value[9], value[10], value[11]) = (GrantKind, (byte)(value[10] % _n), PatientSigner);
        else value[9] = 0;
        if (node.Faulty && _behaviour.HasFlag(Byzantine.InvalidValues) && _random.NextDouble() < 0.7) value[8] = 0xFF;
        // A Byzantine organisation grants itself access to a patient's records, signing the grant with its own key.
        if (node.Faulty && _behaviour.HasFlag(Byzantine.ProposesForgedGrant) && _random.NextDouble() < 0.7)
        {
            (value[9], value[10], value[11]) = (GrantKind, (byte)node.Index, (byte)node.Index);
            Stats.ForgedGrantsProposed++;
        }
        return value;
    }

    /// <summary>
    /// The host's validation, standing for the block rules: the right height, not marked bad (a wrong state root), and every
    /// grant in it signed by the patient (the state machine refuses a grant signed by anyone else, such as the grantee).
    /// </summary>
    public static bool IsValid(ulong height, byte[] value) =>
        value.Length == ValueBytes && BinaryPrimitives.ReadUInt64BigEndian(value) == height && value[8] != 0xFF && !IsForgedGrant(value);

    /// <summary>A value holding a grant not signed by the patient.</summary>
    public static bool IsForgedGrant(byte[] value) => value.Length == ValueBytes && value[9] == GrantKind && value[11] != PatientSigner;

    private void Apply(Node node, IReadOnlyList<EngineAction> actions)
    {
        foreach (var action in actions)
        {
            if (!node.Up) return;
            switch (action)
            {
                case EngineAction.Persist p:
                    node.Persisted = p.State;
                    // A crash right after persisting, before sending: the restarted node must not sign differently.
                    if (!node.Faulty && _now < Gst && _random.NextDouble() < 0.01)
                    {
                        Crash(node);
                        At(_now + (ulong)_random.Next(20, 400), new Event(s => s.Restart(node)));
                        return;
                    }
                    break;
                case EngineAction.Broadcast b:
                    Send(node, b.Message);
                    break;
                case EngineAction.SetTimeout t:
                    var engine = node.Engine;
                    At(t.At, new Event(s =>
                    {
                        if (node.Up && ReferenceEquals(node.Engine, engine)) s.Apply(node, node.Engine!.Handle(new EngineInput.Timeout(s._now, t.Height, t.Round, t.Step)));
                    }));
                    break;
                case EngineAction.CatchUp c:
                    Sync(node, c.FromHeight);
                    break;
                case EngineAction.Decide d:
                    // The host commits the block with its certificate: the store survives crashes and serves block sync.
                    node.Store[d.Height] = node.Engine!.DecisionAt(d.Height);
                    Decide(node, d);
                    var decidedBy = node.Engine;
                    // The host commits, then starts the next height when there is work (its batching): 50 to 400 ms.
                    At(_now + (ulong)_random.Next(50, 400), new Event(s =>
                    {
                        if (node.Up && ReferenceEquals(node.Engine, decidedBy)) s.Apply(node, node.Engine!.Handle(new EngineInput.Committed(s._now)));
                    }));
                    break;
            }
        }
    }

    private void Decide(Node node, EngineAction.Decide d)
    {
        if (node.Faulty) return;
        if (node.Decisions.TryGetValue(d.Height, out var mine) && mine != d.ValueHash) throw new SafetyViolation($"node {node.Index} decided height {d.Height} twice, differently");
        _oracle.Decision(node.Index, d.Height, d.Round, d.Value, d.ValueHash, d.Commit);
        node.Decisions[d.Height] = d.ValueHash;
        Stats.Decisions++;
    }

    private void Send(Node from, ConsensusMessage message)
    {
        var bytes = message.Encode();
        NoteProposal(message);
        if (from.Faulty)
        {
            SendByzantine(from, message, bytes);
            return;
        }
        if (message.Sender == from.Key.PublicKey) _oracle.HonestSigned(from.Index, message);
        if (_seen.Count < 2000) _seen.Add(bytes);
        foreach (var to in _nodes.Where(x => x != from)) Deliver(from, to, bytes);
    }

    private void SendByzantine(Node from, ConsensusMessage message, byte[] bytes)
    {
        if (_behaviour.HasFlag(Byzantine.Withhold))
        {
            Stats.Withheld++;
            return;
        }
        // A selective validator talks to its audience (and the other Byzantine ones) only.
        var targets = _nodes.Where(x => x != from && (!_behaviour.HasFlag(Byzantine.Selective) || x.Faulty || _audience.Contains(x.Index))).ToArray();
        if (_behaviour.HasFlag(Byzantine.Selective)) Stats.SelectiveSent++;
        if (_behaviour.HasFlag(Byzantine.Equivocate) && _random.NextDouble() < 0.6 && message.Sender == from.Key.PublicKey)
        {
            // Two real values signed with the same key: nodes of even index get one, nodes of odd index the other — the
            // same split for every Byzantine validator, so their proposals and votes pull the honest nodes apart.
            var (first, second) = Split(from, message);
            foreach (var to in targets) Deliver(from, to, to.Index % 2 == 0 ? first : second);
            Stats.EquivocationsSent++;
        }
        else
        {
            foreach (var to in targets) Deliver(from, to, bytes);
        }
        if (_behaviour.HasFlag(Byzantine.Forge) && _random.NextDouble() < 0.3)
        {
            // Claims an honest validator's identity; the signature is the Byzantine node's.
            var victim = Validators[_random.Next(0, _n - _byzantineCount)];
            var forged = ConsensusMessage.Create(Network, from.Key, message.Type, message.Height, message.Round, message.ValueHash, message.ValidRound, message.Value)
                with
            { Sender = victim };
            foreach (var to in targets) Deliver(from, to, forged.Encode());
            Stats.ForgedSent++;
        }
        if (_behaviour.HasFlag(Byzantine.Replay) && _random.NextDouble() < 0.3 && _seen.Count > 0)
        {
            var old = _seen[_random.Next(_seen.Count)];
            foreach (var to in targets) Deliver(from, to, old);
            Stats.ReplaysSent++;
        }
        if (_behaviour.HasFlag(Byzantine.Garbage) && _random.NextDouble() < 0.3)
        {
            var garbage = new byte[_random.Next(1, 300)];
            _random.NextBytes(garbage);
            foreach (var to in targets) Deliver(from, to, garbage);
            Stats.GarbageSent++;
        }
    }

    // Two conflicting messages, each for a real value: a proposal and a second proposal of a fresh valid value; a vote for
    // the first and the second value proposed at that height and round (a fresh valid value when fewer were seen).
    private (byte[] First, byte[] Second) Split(Node from, ConsensusMessage message)
    {
        var key = (from.Index, message.Type, message.Height, message.Round);
        if (!_splits.TryGetValue(key, out var split)) _splits[key] = split = NewSplit(from, message);
        return split;
    }

    private (byte[] First, byte[] Second) NewSplit(Node from, ConsensusMessage message)
    {
        if (message.Type == MessageType.Proposal)
        {
            var otherValue = ProposeValue(from, message.Height);
            var twin = ConsensusMessage.Create(Network, from.Key, MessageType.Proposal, message.Height, message.Round, Hashing.Sha256(otherValue), message.ValidRound, otherValue);
            NoteProposal(twin);
            return (message.Encode(), twin.Encode());
        }
        var values = _proposed.TryGetValue((message.Height, message.Round), out var known) ? known.ToList() : [];
        if (!message.IsNil && !values.Contains(message.ValueHash)) values.Insert(0, message.ValueHash);
        while (values.Count < 2) values.Add(Hashing.Sha256(ProposeValue(from, message.Height)));
        byte[] Vote(Hash256 value) => ConsensusMessage.Create(Network, from.Key, message.Type, message.Height, message.Round, value, -1, null).Encode();
        return (Vote(values[0]), Vote(values[1]));
    }

    private void NoteProposal(ConsensusMessage m)
    {
        if (m.Type != MessageType.Proposal) return;
        if (!_proposed.TryGetValue((m.Height, m.Round), out var list)) _proposed[(m.Height, m.Round)] = list = [];
        if (list.Count < 4 && !list.Contains(m.ValueHash)) list.Add(m.ValueHash);
    }

    private void Deliver(Node from, Node to, byte[] bytes)
    {
        var beforeGst = _now < Gst;
        if (beforeGst && _random.NextDouble() < 0.2)
        {
            Stats.Dropped++;
            return;
        }
        var copies = beforeGst && _random.NextDouble() < 0.1 ? 2 : 1;
        for (var c = 0; c < copies; c++)
        {
            var delay = (ulong)(beforeGst ? _random.Next(1, 400) : _random.Next(1, 40));
            At(_now + delay, new Event(s =>
            {
                if (s._now < s.Gst && s._partition is { } p && p.Contains(from.Index) != p.Contains(to.Index))
                {
                    s.Stats.Partitioned++;
                    return;
                }
                if (!to.Up) return;
                var message = ConsensusMessage.TryDecode(bytes);
                if (message is null)
                {
                    s.Stats.Undecodable++;
                    return;
                }
                s.Apply(to, to.Engine!.Handle(new EngineInput.Receive(s._now, message)));
            }));
        }
    }

    private void Crash(Node node)
    {
        if (!node.Up) return;
        node.Up = false;
        Stats.Crashes++;
    }

    private void Restart(Node node)
    {
        if (node.Up) return;
        node.Collect(Stats);
        node.Up = true;
        node.Engine = NewEngine(node, node.Persisted ?? SafetyState.Fresh(1));
        Stats.Restarts++;
        Apply(node, node.Engine.Handle(new EngineInput.Start(_now)));
    }

    /// <summary>Where each node is (for a failing seed's report).</summary>
    public string Describe() => $"target {_target?.ToString() ?? "not set (GST not reached)"} heights; " + string.Join("; ", _nodes.Select(x =>
        $"node {x.Index} of {Organisations[x.Index].Name}{(x.Faulty ? " (Byzantine organisation)" : "")}{(x.Up ? "" : " (down)")}: h={x.Engine!.Height} r={x.Engine.Round} {x.Engine.Step}{(x.Engine.Decided ? " decided" : "")}, decided {x.Decisions.Count}")) + $"; t={_now}, queue {_events.Count}";

    /// <summary>Every honest node's engine counters, summed (after the run).</summary>
    public void CollectEngineStats()
    {
        foreach (var node in _nodes.Where(x => !x.Faulty)) node.Collect(Stats);
    }

    private void At(ulong time, Event e) => _events.Enqueue(e, (time, _sequence++));

    private static byte[] Seed(int seed, int index)
    {
        var bytes = new byte[32];
        BinaryPrimitives.WriteInt32BigEndian(bytes, seed);
        bytes[31] = (byte)(index + 1);
        return bytes;
    }

    private sealed record Event(Action<Simulator> Act);

    private sealed class Node(int index, SigningKeyPair key, bool faulty)
    {
        public int Index { get; } = index;
        public SigningKeyPair Key { get; } = key;
        public bool Faulty { get; } = faulty;
        public bool Up { get; set; } = true;
        public TendermintEngine? Engine { get; set; }
        public SafetyState? Persisted { get; set; }
        public Dictionary<ulong, Hash256> Decisions { get; } = [];
        public ulong NextSync { get; set; }
        public Dictionary<ulong, IReadOnlyList<ConsensusMessage>> Store { get; } = [];
        public ulong HeightSeen { get; set; }
        public (ulong Height, int Round) PositionSeen { get; set; }
        public ulong PositionSince { get; set; }
        public ulong HeightSince { get; set; }

        public void Collect(SimulationStats stats)
        {
            if (Engine is null) return;
            stats.BadSignatures += Engine.Stats.BadSignatures;
            stats.Equivocations += Engine.Stats.Equivocations;
            stats.Stale += Engine.Stats.Stale;
            stats.InvalidValues += Engine.Stats.InvalidValues;
            stats.WrongProposer += Engine.Stats.WrongProposer;
            stats.RefusedToResign += Engine.Stats.RefusedToResign;
        }
    }
}

/// <summary>A broken invariant; the message names it.</summary>
public sealed class SafetyViolation(string message) : Exception(message);

/// <summary>Counts over a simulation (or many).</summary>
public sealed class SimulationStats
{
    public long Syncs;
    public long Decisions, Dropped, Partitioned, Partitions, Crashes, Restarts, Undecodable, Withheld;
    public long EquivocationsSent, ForgedSent, ReplaysSent, GarbageSent, SelectiveSent, ForgedGrantsProposed, ForgedGrantsRefused;
    public long BadSignatures, Equivocations, Stale, InvalidValues, WrongProposer, RefusedToResign;

    public void Add(SimulationStats o)
    {
        Syncs += o.Syncs;
        Decisions += o.Decisions; Dropped += o.Dropped; Partitioned += o.Partitioned; Partitions += o.Partitions; Crashes += o.Crashes; Restarts += o.Restarts;
        Undecodable += o.Undecodable; Withheld += o.Withheld; EquivocationsSent += o.EquivocationsSent; ForgedSent += o.ForgedSent; ReplaysSent += o.ReplaysSent;
        GarbageSent += o.GarbageSent; SelectiveSent += o.SelectiveSent; BadSignatures += o.BadSignatures; Equivocations += o.Equivocations; Stale += o.Stale; InvalidValues += o.InvalidValues;
        WrongProposer += o.WrongProposer; RefusedToResign += o.RefusedToResign; ForgedGrantsProposed += o.ForgedGrantsProposed; ForgedGrantsRefused += o.ForgedGrantsRefused;
    }

    public override string ToString() =>
        $"decisions {Decisions}; network: dropped {Dropped}, partitioned {Partitioned} (partitions {Partitions}), crashes {Crashes}, restarts {Restarts}, block syncs {Syncs}; " +
        $"Byzantine sent: equivocations {EquivocationsSent}, forged {ForgedSent}, replays {ReplaysSent}, garbage {GarbageSent}, to some only {SelectiveSent}, withheld {Withheld}, forged grants proposed {ForgedGrantsProposed}; " +
        $"honest engines refused: bad signatures {BadSignatures}, equivocations {Equivocations}, stale/replayed {Stale}, invalid values {InvalidValues} (of them forged grants {ForgedGrantsRefused}), " +
        $"wrong proposer {WrongProposer}, undecodable {Undecodable}; re-sign refusals after restart {RefusedToResign}";
}
