namespace HealthLedger.Node.Chain;

/// <summary>The node's health and position.</summary>
/// <param name="Status">"ok" once the node serves; "stalled" while transactions have waited longer than the commit timeout
/// with no block committed (reads are served, writes are answered 202: a network without a quorum of validators running);
/// "noQuorum" while nothing waits but fewer validators are reachable from this node than a quorum (a write would wait). Each
/// with 200: the node serves reads.</param>
/// <param name="Network">Network id.</param>
/// <param name="Node">This node's id.</param>
/// <param name="Height">Height of the last committed block.</param>
/// <param name="TipHash">Hash of the last committed block.</param>
/// <param name="StateRoot">World-state root after it.</param>
/// <param name="Pending">Transactions waiting in the mempool.</param>
/// <param name="Consensus">Where consensus stands.</param>
/// <param name="Peers">The other validators and whether this node reaches them.</param>
/// <param name="MissingDocuments">Documents not yet replicated to this node.</param>
/// <param name="IntegritySweep">The background re-check of the blocks this start took on trust (<c>IntegritySweep</c>):
/// "notNeeded" (the start read every block), "running", "passed", "failed" (the node is shutting down; log event 1009) or
/// "stopped".</param>
/// <param name="StalledSince">When the stall began (the last commit, or the first arrival after the mempool was empty), or null.</param>
/// <param name="Detail">Why the status is not "ok", in a sentence: since when transactions wait, how many validators this node
/// reaches (and which) against the quorum; null when it is "ok".</param>
public sealed record HealthResponse(string Status, string Network, string Node, ulong Height, string TipHash, string StateRoot, int Pending,
    ConsensusHealth? Consensus, IReadOnlyList<PeerHealth> Peers, int MissingDocuments, string IntegritySweep, DateTimeOffset? StalledSince = null, string? Detail = null);

/// <summary>Consensus position.</summary>
/// <param name="Height">The height being decided (the tip + 1).</param>
/// <param name="Round">Its round (the view: it rises when a proposer fails).</param>
/// <param name="Step">propose, prevote, precommit, or idle while nothing waits.</param>
/// <param name="Leader">The node proposing at this height and round.</param>
/// <param name="Validators">Number of voting nodes.</param>
/// <param name="Quorum">Votes needed to decide: <see cref="HealthLedger.Core.Model.ValidatorSet.Quorum"/> (⌊2n/3⌋ + 1).</param>
/// <param name="Prevotes">Validators whose prevote (for a block or nil) this node holds for this height and round, its own included.
/// Below <paramref name="Quorum"/> the round cannot move on: a node cut off with fewer than a quorum stays here, voted but undecided.</param>
/// <param name="Precommits">Validators whose precommit this node holds for this height and round, its own included.</param>
/// <param name="Refused">Messages the engine refused, by reason (forged, unknown sender, invalid block, …).</param>
public sealed record ConsensusHealth(ulong Height, int Round, string Step, string Leader, int Validators, int Quorum, int Prevotes, int Precommits,
    IReadOnlyDictionary<string, long> Refused);

/// <summary>One peer as this node sees it.</summary>
/// <param name="Node">Peer node id.</param>
/// <param name="Address">Its peer endpoint.</param>
/// <param name="Connected">True when its last call succeeded.</param>
/// <param name="Height">Its last reported height.</param>
/// <param name="LastSeen">When it last answered.</param>
public sealed record PeerHealth(string Node, string Address, bool Connected, ulong? Height, DateTimeOffset? LastSeen);
