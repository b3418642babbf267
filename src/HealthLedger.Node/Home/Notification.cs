namespace HealthLedger.Node.Home;

/// <summary>
/// One notice for the signed-in user (<see cref="Notifications"/>).
/// </summary>
/// <param name="Kind">access-request (a patient's pending request), request-answered (a doctor's request answered),
/// result-ready (a doctor's lab order validated), break-glass (a patient's record opened in an emergency, or an admin's
/// access awaiting review).</param>
/// <param name="Text">What happened, in words, with people by name (no other PHI).</param>
/// <param name="Link">The page to act on it.</param>
/// <param name="At">When it happened (block time).</param>
/// <param name="Unseen">True while it counts in the header: actionable notices until acted on; news until the user opens
/// the notifications page.</param>
public sealed record Notification(string Kind, string Text, string Link, DateTimeOffset At, bool Unseen);
