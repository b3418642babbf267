namespace HealthLedger.Core.Transactions;

/// <summary>Transaction kinds. Values are part of the encoding and never renumbered.</summary>
public enum TxKind : byte
{
    /// <summary>The genesis configuration (only as the single transaction of block 0).</summary>
    Genesis = 1,
    /// <summary>Registers a user (admin, doctor, patient, auditor, rescuer) with their public keys.</summary>
    RegisterUser = 2,
}
