namespace HealthLedger.Node.Printouts;

/// <summary>
/// Who a printout is from, printed in its header band (<see cref="Name"/>) and on the line below it (the contact details that
/// are set, joined by " · "): the custodian of the record (the patient's organisation). On the custodian's own nodes it comes
/// from <c>node.json</c>'s <c>"hospital"</c> block (<see cref="Configuration.HospitalSettings"/>: the name, else the
/// organisation's name on the chain, and the address, phone and e-mail that are set); a node of another organisation
/// knows only the name on the chain (<see cref="PrintoutRecorder.Letterhead"/>).
/// </summary>
/// <param name="Name">The hospital's (organisation's) name.</param>
/// <param name="Address">Postal address, one line; null when not set.</param>
/// <param name="Phone">Telephone number; null when not set.</param>
/// <param name="Email">Contact e-mail; null when not set.</param>
public sealed record Letterhead(string Name, string? Address = null, string? Phone = null, string? Email = null)
{
    /// <summary>The contact details that are set, as printed ("Address · Tel. Phone · Email"); "" when none is set.</summary>
    public string Contact => string.Join(" · ", new[]
    {
        Address,
        Phone is { Length: > 0 } ? "Tel. " + Phone : null,
        Email,
    }.Where(s => !string.IsNullOrWhiteSpace(s)));
}
