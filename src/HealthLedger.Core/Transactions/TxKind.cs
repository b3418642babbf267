namespace HealthLedger.Core.Transactions;

/// <summary>Transaction kinds. Values are part of the encoding and never renumbered.</summary>
public enum TxKind : byte
{
    /// <summary>The genesis configuration (only as the single transaction of block 0).</summary>
    Genesis = 1,
    /// <summary>Registers a user (admin, doctor, patient, auditor, rescuer) with their public keys.</summary>
    RegisterUser = 2,
    /// <summary>Registers a patient: login, MRN blind index and sealed demographics.</summary>
    RegisterPatient = 3,
    /// <summary>Registers a doctor: login and sealed directory entry.</summary>
    RegisterDoctor = 4,
    /// <summary>A new version of a patient's demographics or a doctor's directory entry.</summary>
    UpdateRecord = 5,
    /// <summary>An encounter or account entry for a patient.</summary>
    AddEntry = 6,
    /// <summary>A medical report or an amendment of one.</summary>
    AddReport = 7,
    /// <summary>The patient grants access to their records.</summary>
    GrantAccess = 8,
    /// <summary>The patient revokes a grant.</summary>
    RevokeAccess = 9,
    /// <summary>A batch of disclosure (read) events, signed by a node.</summary>
    RecordDisclosures = 10,
    /// <summary>Adds, removes or replaces a voting node (the validator set changes at the next block).</summary>
    ConfigureNodes = 11,
    /// <summary>A set of vital signs of a patient.</summary>
    RecordVitalSigns = 12,
    /// <summary>Sets an organisation's ward and bed list (organisation configuration, not PHI).</summary>
    ConfigureWards = 13,
    /// <summary>The patient ends a doctor's care relationship with them.</summary>
    EndCare = 14,
    /// <summary>Changes the network policy (how long care relationships last); an admin of the organisation that holds it.</summary>
    ConfigurePolicy = 15,
    /// <summary>A node records the SHA-256 of a report printout (PDF) it issued, so the downloaded file is checkable.</summary>
    RecordPrintout = 16,
    /// <summary>Proposes a consortium action (organisations, nodes, governance policy); the proposer's organisation approves.</summary>
    Propose = 20,
    /// <summary>An organisation's approval or rejection of a proposal.</summary>
    Vote = 21,
    /// <summary>The proposing organisation withdraws its open proposal.</summary>
    Withdraw = 22,
    /// <summary>A node of a user's organisation publishes the user's login (password-sealed keys wrapped for the organisation), version after version.</summary>
    SealLogin = 23,
    /// <summary>A doctor asks a patient (of any member organisation) for access to chosen categories for a number of days (a referral).</summary>
    RequestAccess = 24,
    /// <summary>The patient approves (with the grant, in the same transaction) or declines a doctor's access request, once.</summary>
    AnswerAccessRequest = 25,
    /// <summary>A rescuer (in a declared emergency) or a doctor (outside one) opens a patient's emergency summary for 12 hours, with a reason and a sealed justification.</summary>
    BreakGlass = 26,
    /// <summary>The patient's organisation marks a break-glass access reviewed or flags misuse.</summary>
    ReviewBreakGlass = 27,
    /// <summary>A custodian organisation's node wraps its patients' emergency category keys (and MRN lookup key) for an admitted rescuer organisation.</summary>
    WrapEmergencyKeys = 28,
    /// <summary>The custodian organisation (an admin, or its node for the name index) sets a patient's name + date-of-birth blind index and/or area tag.</summary>
    IndexPatient = 29,
    /// <summary>The custodian organisation's node wraps a patient's category keys for the doctor of another organisation who broke the glass outside an emergency.</summary>
    WrapBreakGlassKeys = 30,
    /// <summary>Sets a laboratory organisation's test catalogue (organisation configuration, not PHI; sealed for the organisation).</summary>
    ConfigureLabCatalogue = 40,
    /// <summary>A doctor orders laboratory tests for a patient (sealed: tests, priority, clinical note).</summary>
    PlaceLabOrder = 41,
    /// <summary>A lab order's specimen is collected (with its specimen id) or received at the laboratory.</summary>
    RecordLabSpecimen = 42,
    /// <summary>Results of a lab order are entered (or amended after sign-off, with a reason) by laboratory staff.</summary>
    EnterLabResults = 43,
    /// <summary>A pathologist who did not enter them validates (signs off) a lab order's results; the order's charge is posted with it.</summary>
    ValidateLabResults = 44,
    /// <summary>The patient's organisation (its node, or an admin) charges the patient's account for a lab order validated by another organisation's laboratory, once.</summary>
    PostLabCharge = 45,
    /// <summary>Adds a drug to an organisation's formulary or changes it (details sealed for the organisation).</summary>
    DefineDrug = 50,
    /// <summary>Stock in: a batch of a formulary drug received from a supplier (quantity and expiry in plaintext).</summary>
    ReceiveStock = 51,
    /// <summary>A doctor's structured prescription (drug, quantity per supply, repeats; the rest sealed under the medication key).</summary>
    Prescribe = 52,
    /// <summary>A pharmacist dispenses a supply of a prescription (first expiry first out) and charges the patient's account.</summary>
    Dispense = 53,
    /// <summary>Sets an organisation's expense approval threshold (an admin of it).</summary>
    SetExpensePolicy = 60,
    /// <summary>An accountant or admin records an expense (amount, date, category, department in plaintext; vendor, description and invoice sealed); above the threshold it waits for approval.</summary>
    RecordExpense = 61,
    /// <summary>An admin other than the recorder approves an expense pending approval.</summary>
    ApproveExpense = 62,
    /// <summary>An admin other than the recorder rejects an expense pending approval.</summary>
    RejectExpense = 63,
    /// <summary>An accountant or admin sets a department's budget for a month.</summary>
    SetBudget = 64,
}
