namespace HealthLedger.Storage.Tests;

/// <summary>Where a failure injected into the backing storage strikes inside a commit's storage transaction.</summary>
public enum CommitFailurePoint
{
    /// <summary>At the write of state key <c>user/boom</c>, after the block, transaction and receipt rows of the same commit.</summary>
    StateWrite,

    /// <summary>At the write of the commit certificate, after the state changes and blobs of the same commit.</summary>
    Certificate,

    /// <summary>At the write of the node's consensus voting state, the last write of a commit that carries one.</summary>
    ConsensusState,
}
