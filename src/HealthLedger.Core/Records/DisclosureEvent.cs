using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Records;

/// <summary>One read (or refused attempt) of a patient's PHI: who, what, when, why and with what outcome. No PHI itself.</summary>
/// <param name="Id">
/// The disclosure's own id: 32 random bytes the serving node draws when the read happens, never zero. It stays the same
/// when the node submits the event again (after a restart), so the chain records each disclosure once: a later event with
/// an id already recorded is skipped (<see cref="Transactions.Kinds.RecordDisclosuresHandler"/>).
/// </param>
/// <param name="ActorId">The user who read.</param>
/// <param name="ActorRole">Their role (text).</param>
/// <param name="PatientId">Whose data.</param>
/// <param name="Resource">What (e.g. "demographics", "entries", "report rp-…", "report file rp-…").</param>
/// <param name="Purpose">Why (e.g. "treatment", "administration", "consented access").</param>
/// <param name="Allowed">True when served, false when refused.</param>
/// <param name="At">When (Unix ms, host time).</param>
public sealed record DisclosureEvent(Hash256 Id, string ActorId, string ActorRole, string PatientId, string Resource, string Purpose, bool Allowed, ulong At)
{
    /// <summary>Writes the event: id (32 bytes), actor, role, patient, resource, purpose (texts), allowed, at.</summary>
    public void Write(CanonicalWriter w) => w.Hash(Id).Text(ActorId).Text(ActorRole).Text(PatientId).Text(Resource).Text(Purpose).Bool(Allowed).VarUInt(At);

    /// <summary>Reads an event.</summary>
    public static bool TryRead(ref CanonicalReader r, out DisclosureEvent value)
    {
        r.Hash(out var id, "disclosure id");
        r.Text(out var actor, 64, "actor");
        r.Text(out var role, 20, "role");
        r.Text(out var patient, 64, "patient");
        r.Text(out var resource, 120, "resource");
        r.Text(out var purpose, 60, "purpose");
        r.Bool(out var allowed);
        r.VarUInt(out var at);
        value = new DisclosureEvent(id, actor, role, patient, resource, purpose, allowed, at);
        return r.Error is null;
    }

    /// <summary>State encoding (version 2: with the id).</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(160).U8(2);
        Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output, or null when it is not one.</summary>
    public static DisclosureEvent? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (!r.U8(out var v) || v != 2 || !TryRead(ref r, out var e) || !r.End()) return null;
        return e;
    }
}
