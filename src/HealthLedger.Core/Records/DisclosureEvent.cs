using HealthLedger.Core.Encoding;

namespace HealthLedger.Core.Records;

/// <summary>One read (or refused attempt) of a patient's PHI: who, what, when, why and with what outcome. No PHI itself.</summary>
/// <param name="ActorId">The user who read.</param>
/// <param name="ActorRole">Their role (text).</param>
/// <param name="PatientId">Whose data.</param>
/// <param name="Resource">What (e.g. "demographics", "entries", "report rp-…", "report file rp-…").</param>
/// <param name="Purpose">Why (e.g. "treatment", "administration", "consented access").</param>
/// <param name="Allowed">True when served, false when refused.</param>
/// <param name="At">When (Unix ms, host time).</param>
public sealed record DisclosureEvent(string ActorId, string ActorRole, string PatientId, string Resource, string Purpose, bool Allowed, ulong At)
{
    /// <summary>Writes the event.</summary>
    public void Write(CanonicalWriter w) => w.Text(ActorId).Text(ActorRole).Text(PatientId).Text(Resource).Text(Purpose).Bool(Allowed).VarUInt(At);

    /// <summary>Reads an event.</summary>
    public static bool TryRead(ref CanonicalReader r, out DisclosureEvent value)
    {
        r.Text(out var actor, 64, "actor");
        r.Text(out var role, 20, "role");
        r.Text(out var patient, 64, "patient");
        r.Text(out var resource, 120, "resource");
        r.Text(out var purpose, 60, "purpose");
        r.Bool(out var allowed);
        r.VarUInt(out var at);
        value = new DisclosureEvent(actor, role, patient, resource, purpose, allowed, at);
        return r.Error is null;
    }

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(128).U8(1);
        Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output.</summary>
    public static DisclosureEvent? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (!r.U8(out var v) || v != 1 || !TryRead(ref r, out var e) || !r.End()) return null;
        return e;
    }
}
