using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Node.Consent;
using HealthLedger.Node.Emergencies;
using HealthLedger.Node.Laboratory;
using HealthLedger.Node.People;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Home;

/// <summary>
/// The signed-in user's notices, computed from the read models on each request (no transaction of its own): a patient's
/// pending access requests and break-glass accesses not yet acknowledged; a doctor's answered access requests and validated
/// lab orders; an admin's break-glass accesses awaiting review. Actionable notices (a pending request, a pending review,
/// an unacknowledged access) count until acted on; news (an answer, a result) counts until the user opens the
/// notifications page (<see cref="NotificationMarks"/>). Reading them records no disclosure: the header shows a count only,
/// and the notices name people, never a record's content.
/// </summary>
public sealed class Notifications(AccessRequestService requests, LabOrderStore labOrders, EmergencyNotices emergencyNotices, BreakGlassService breakGlass,
    NotificationMarks marks, PersonNames names, TimeProvider clock)
{
    /// <summary>The user's notices, newest first.</summary>
    public IReadOnlyList<Notification> For(UserSession user)
    {
        var seen = marks.SeenUpTo(user.UserId);
        var list = new List<Notification>();
        switch (user.Role)
        {
            case Role.Patient:
                if (requests.List(user, "pending").Value is { } pending)
                {
                    list.AddRange(pending.Select(r => new Notification("access-request",
                        $"{r.DoctorName} asks for access to your record", $"/patients/{user.UserId}/access", Time(r.Request.RequestedAt), true)));
                }
                list.AddRange(emergencyNotices.Unacknowledged(user).Select(a => new Notification("break-glass",
                    $"Your record was opened in an emergency by {names.Of(user, a.ActorId)}", $"/patients/{user.UserId}/access", a.GrantedAt, true)));
                break;
            case Role.Doctor:
                if (requests.List(user).Value is { } mine)
                {
                    list.AddRange(mine.Where(r => r.Request.AnsweredAt > 0).Select(r => new Notification("request-answered",
                        $"Your access request to {names.Of(user, r.Request.PatientId)} was {r.Status}", "/access-requests", Time(r.Request.AnsweredAt),
                        Time(r.Request.AnsweredAt) > seen)));
                }
                foreach (var order in labOrders.Where(o => o.DoctorId == user.UserId && o.LastValidation is not null))
                {
                    var at = Time(order.LastValidation!.Proof.Timestamp);
                    list.Add(new Notification("result-ready", $"Lab results ready for {names.Of(user, order.PatientId)} (order {order.Id})", $"/lab/orders/{order.Id}", at, at > seen));
                }
                break;
            case Role.Admin:
                if (breakGlass.Queue(user).Value is { } queue)
                {
                    list.AddRange(queue.Where(a => a.Review == "pending").Select(a => new Notification("break-glass",
                        $"Break-glass access by {names.Of(user, a.ActorId)} to {names.Of(user, a.PatientId)} awaits review", "/break-glass", a.GrantedAt, true)));
                }
                break;
        }
        return list.OrderByDescending(n => n.At).ToList();
    }

    /// <summary>How many of the user's notices are unseen (the header's count).</summary>
    public int Unseen(UserSession user) => For(user).Count(n => n.Unseen);

    /// <summary>Marks the user's news as seen now (opening the notifications page does this).</summary>
    public void MarkSeen(UserSession user) => marks.See(user.UserId, clock.GetUtcNow());

    private static DateTimeOffset Time(ulong ms) => DateTimeOffset.FromUnixTimeMilliseconds((long)ms);
}
