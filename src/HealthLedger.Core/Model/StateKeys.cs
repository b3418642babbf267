using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Model;

/// <summary>
/// The world-state key space. Keys are ASCII; ids follow <see cref="Identifiers.Rule"/> and keys are hex,
/// so no key can be confused with another kind's.
/// </summary>
public static class StateKeys
{
    /// <summary>The network configuration.</summary>
    public const string Network = "network";

    /// <summary>The network policy (<see cref="PolicyState"/>): rules every node applies at block time, such as how long care lasts.</summary>
    public const string Policy = "policy";

    /// <summary>An organisation.</summary>
    public static string Organisation(string id) => "org/" + id;

    /// <summary>The member organisations' ids, in id order (every status: a removed organisation's id is never reused).</summary>
    public const string Organisations = "organisations";

    /// <summary>The ids of an organisation's nodes (voting or not, e.g. while it is suspended), in id order.</summary>
    public static string OrganisationNodes(string organisationId) => "orgnodes/" + organisationId;

    /// <summary>The consortium's governance policy (<see cref="Governance.GovernancePolicy"/>); the default when absent.</summary>
    public const string Governance = "governance";

    /// <summary>A consortium proposal and its votes (<see cref="Governance.ProposalState"/>).</summary>
    public static string Proposal(string id) => "proposal/" + id;

    /// <summary>
    /// Marks an organisation admitted through an emergency declaration (a joining rescue service) as a <b>rescue service</b>
    /// member: value <c>version(1) · text(emergency id that admitted it)</c>. Such an organisation takes no part in governance
    /// (it neither proposes nor votes and is not counted in thresholds), its admin registers only rescuers, and its users break
    /// the glass only under an emergency in force that admits it (<see cref="Governance.Consortium.IsRescueService"/>).
    /// </summary>
    public static string RescueService(string organisationId) => "rescueservice/" + organisationId;

    /// <summary>
    /// The latest proposal to end or extend an emergency (value: <c>version(1) · text(proposal id)</c>): while that proposal is
    /// open and not expired, a second end or extend proposal for the same emergency is refused.
    /// </summary>
    public static string EmergencyChangeProposal(string emergencyId) => "emergchange/" + emergencyId;

    /// <summary>A user.</summary>
    public static string User(string id) => "user/" + id;

    /// <summary>The validator set: the ids of the voting nodes, in id order (see <see cref="ValidatorSet"/>).</summary>
    public const string Validators = "validators";

    /// <summary>
    /// The non-voting observer nodes: ids of nodes that have a <see cref="Node"/> record but were admitted not to vote (a rescue
    /// service's nodes joining with a declaration whose <c>NewRescuerNodesVote</c> is false), in id order. They replicate and
    /// serve; they are never in <see cref="Validators"/>, even when their organisation is reinstated.
    /// </summary>
    public const string Observers = "observers";

    /// <summary>A node.</summary>
    public static string Node(string id) => "node/" + id;

    /// <summary>A patient.</summary>
    public static string Patient(string id) => "patient/" + id;

    /// <summary>The patient holding an MRN (by blind index) within an organisation.</summary>
    public static string Mrn(string organisationId, Hash256 mrnIndex) => $"mrn/{organisationId}/{mrnIndex}";

    /// <summary>A doctor's directory entry.</summary>
    public static string Doctor(string id) => "doctor/" + id;

    /// <summary>A patient entry.</summary>
    public static string Entry(string id) => "entry/" + id;

    /// <summary>The entry that corrects an entry (value: its id as canonical text); only an entry without one may be corrected.</summary>
    public static string CorrectedBy(string entryId) => "correctedby/" + entryId;

    /// <summary>The care relationship of a doctor with a patient (<see cref="Records.CareState"/>).</summary>
    public static string Care(string patientId, string doctorId) => $"care/{patientId}/{doctorId}";

    /// <summary>The doctors a patient is admitted under now (a list of doctor ids; absent when not admitted).</summary>
    public static string Inpatient(string patientId) => "inpatient/" + patientId;

    /// <summary>The latest version of a medical report.</summary>
    public static string Report(string id) => "report/" + id;

    /// <summary>One version of a medical report (history: nothing is overwritten).</summary>
    public static string ReportVersion(string id, int version) => $"reportv/{id}/{version:D6}";

    /// <summary>The report version whose content has this SHA-256 (first one wins).</summary>
    public static string ContentHash(Primitives.Hash256 hash) => "content/" + hash;

    /// <summary>The prefix of a patient's whole-record printout pointers (<see cref="Transactions.Kinds.PrintoutSubject.PatientRecord"/>).</summary>
    public const string PatientRecordPrefix = "patientrecord/";

    /// <summary>
    /// A recorded whole-record printout of a patient as of block <paramref name="height"/> with SHA-256 <paramref name="hash"/>:
    /// the recording's <see cref="Records.RecordProof"/> (the transaction, block and time that recorded it).
    /// </summary>
    public static string RecordPrintout(string patientId, ulong height, Primitives.Hash256 hash) => $"{RecordPrintoutsOf(patientId, height)}{hash}";

    /// <summary>The prefix of every recorded whole-record printout of a patient as of block <paramref name="height"/>.</summary>
    public static string RecordPrintoutsOf(string patientId, ulong height) => $"recordprintout/{patientId}/{height}/";

    /// <summary>A patient's consent grant.</summary>
    public static string Grant(string patientId, string grantId) => $"grant/{patientId}/{grantId}";

    /// <summary>A doctor's request for access to a patient's records (<see cref="Records.AccessRequestState"/>).</summary>
    public static string AccessRequest(string patientId, string requestId) => $"accessrequest/{patientId}/{requestId}";

    /// <summary>The id of a doctor's latest access request to a patient (canonical text): at most one of them is open.</summary>
    public static string LatestAccessRequest(string patientId, string doctorId) => $"accessrequestby/{patientId}/{doctorId}";

    /// <summary>A doctor's access request, listed under the doctor (value: the patient's id as canonical text).</summary>
    public static string DoctorAccessRequest(string doctorId, string requestId) => $"doctorrequest/{doctorId}/{requestId}";

    /// <summary>A recorded disclosure (read of PHI) of a patient's data; ordered by block, transaction and event.</summary>
    public static string Disclosure(string patientId, ulong height, int txIndex, int eventIndex) => $"disclosure/{patientId}/{height:D12}/{txIndex:D6}/{eventIndex:D4}";

    /// <summary>
    /// That the disclosure with this id (<see cref="Records.DisclosureEvent.Id"/>) is recorded (value: its
    /// <see cref="Disclosure"/> key as canonical text), so a resubmitted event is recorded once.
    /// </summary>
    public static string DisclosureId(Hash256 id) => "disclosureid/" + id;

    /// <summary>A user's replicated login: version and the sealed keys wrapped for the user's organisation (<see cref="Transactions.Kinds.SealLoginPayload"/>).</summary>
    public static string Login(string userId) => "login/" + userId;

    /// <summary>
    /// That a client request (<see cref="Transactions.RequestMarker.Request"/>) was carried out by transactions of
    /// <paramref name="signer"/> (value: <see cref="Transactions.CarriedOutRequest"/>).
    /// </summary>
    public static string Request(SigningPublicKey signer, Hash256 request) => $"request/{signer}/{request}";

    /// <summary>Who a signing key belongs to.</summary>
    public static string Signer(SigningPublicKey key) => "signer/" + key;

    /// <summary>The last nonce used by a signing key in nonce lane 0 (<see cref="Execution.NonceLanes"/>).</summary>
    public static string Nonce(SigningPublicKey key) => "nonce/" + key;

    /// <summary>The last nonce used by a signing key in a nonce lane; lane 0 is <see cref="Nonce(SigningPublicKey)"/>.</summary>
    public static string Nonce(SigningPublicKey key, ushort lane) => lane == 0 ? Nonce(key) : $"nonce/{key}/{lane}";
}
