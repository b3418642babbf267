using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Emergencies;

/// <summary>
/// One break-glass access as the state holds it (<see cref="Key"/>, indexed for its custodian's review queue under
/// <see cref="QueueKey"/>): who (user, role, organisation), whom, under which emergency (or none), why (reason code and
/// sealed text), what (categories), when and until when, and its review. No PHI in plaintext.
/// </summary>
/// <param name="Id">Access id (unique per patient).</param>
/// <param name="PatientId">Whose record.</param>
/// <param name="CustodianId">The patient's organisation (the reviewer).</param>
/// <param name="ActorId">The rescuer or clinician.</param>
/// <param name="ActorRole">Their role.</param>
/// <param name="ActorOrganisationId">Their organisation.</param>
/// <param name="EmergencyId">The declared emergency it was under; "" for a clinician's break-glass outside an emergency.</param>
/// <param name="Reason">The reason code.</param>
/// <param name="Justification">The sealed free text.</param>
/// <param name="Categories">What may be read (within the emergency set).</param>
/// <param name="GrantedAt">Block time of the access (Unix ms).</param>
/// <param name="ExpiresAt">Block time until which it may be used (exclusive): 12 hours later, or the emergency's end if sooner.</param>
/// <param name="Review">The custodian's review.</param>
/// <param name="ReviewedBy">The reviewing admin ("" while pending).</param>
/// <param name="ReviewedAt">Block time of the review (0 while pending).</param>
/// <param name="Proof">Where the access was committed.</param>
public sealed record BreakGlassState(string Id, string PatientId, string CustodianId, string ActorId, Role ActorRole, string ActorOrganisationId,
    string EmergencyId, BreakGlassReason Reason, SealedJustification Justification, ConsentCategories Categories, ulong GrantedAt, ulong ExpiresAt,
    BreakGlassReview Review, string ReviewedBy, ulong ReviewedAt, RecordProof Proof)
{
    private const byte Version = 1;

    /// <summary>How long a break-glass access lasts by default and at most: 12 hours.</summary>
    public const ulong DurationMs = 12UL * 60 * 60 * 1000;

    /// <summary>State key of an access.</summary>
    public static string Key(string patientId, string id) => $"breakglass/{patientId}/{id}";

    /// <summary>Prefix of a patient's accesses.</summary>
    public static string PatientPrefix(string patientId) => $"breakglass/{patientId}/";

    /// <summary>State key of an access in its custodian's review queue (value: the patient id).</summary>
    public static string QueueKey(string custodianId, string patientId, string id) => $"breakglassq/{custodianId}/{patientId}/{id}";

    /// <summary>Prefix of a custodian organisation's review queue.</summary>
    public static string QueuePrefix(string custodianId) => $"breakglassq/{custodianId}/";

    /// <summary>True while it may be used at <paramref name="now"/>.</summary>
    public bool IsActiveAt(ulong now) => GrantedAt <= now && now < ExpiresAt;

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(512).U8(Version).Text(Id).Text(PatientId).Text(CustodianId).Text(ActorId).U8((byte)ActorRole).Text(ActorOrganisationId)
            .Text(EmergencyId).U8((byte)Reason);
        Justification.Write(w);
        w.U8((byte)Categories).VarUInt(GrantedAt).VarUInt(ExpiresAt).U8((byte)Review).Text(ReviewedBy).VarUInt(ReviewedAt);
        Proof.Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output; null when damaged.</summary>
    public static BreakGlassState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (!r.U8(out var v) || v != Version) return null;
        r.Text(out var id, Identifiers.MaxLength, "id");
        r.Text(out var patient, Identifiers.MaxLength, "patient");
        r.Text(out var custodian, Identifiers.MaxLength, "custodian");
        r.Text(out var actor, Identifiers.MaxLength, "actor");
        r.U8(out var role);
        r.Text(out var actorOrg, Identifiers.MaxLength, "actor organisation");
        r.Text(out var emergency, Identifiers.MaxLength, "emergency");
        r.U8(out var reason);
        if (!SealedJustification.TryRead(ref r, out var justification)) return null;
        r.U8(out var categories);
        r.VarUInt(out var granted);
        r.VarUInt(out var expires);
        r.U8(out var review);
        r.Text(out var reviewer, Identifiers.MaxLength, "reviewer");
        r.VarUInt(out var reviewedAt);
        if (!RecordProof.TryRead(ref r, out var proof) || !r.End()) return null;
        return new BreakGlassState(id, patient, custodian, actor, (Role)role, actorOrg, emergency, (BreakGlassReason)reason, justification,
            (ConsentCategories)categories, granted, expires, (BreakGlassReview)review, reviewer, reviewedAt, proof);
    }

    /// <summary>Reads an access; null when there is none.</summary>
    public static BreakGlassState? Get(State.IStateReader state, string patientId, string id) => state.TryGet(Key(patientId, id), out var v) ? TryDecode(v) : null;
}
