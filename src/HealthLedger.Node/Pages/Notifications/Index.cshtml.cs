using HealthLedger.Node.Home;

namespace HealthLedger.Node.Pages.Notifications;

/// <summary>The signed-in user's notices (<see cref="Home.Notifications"/>); opening the page marks the news in it as seen.</summary>
public sealed class IndexModel(Home.Notifications notifications) : HospitalPage
{
    public IReadOnlyList<Notification> Notices { get; private set; } = [];

    public void OnGet()
    {
        Notices = notifications.For(Me);
        notifications.MarkSeen(Me);
    }
}
