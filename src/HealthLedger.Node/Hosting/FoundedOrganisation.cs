using HealthLedger.Core.Model;

namespace HealthLedger.Node.Hosting;

/// <summary>One organisation of a consortium made by <see cref="NetworkInitializer.InitConsortium"/>.</summary>
/// <param name="Id">Its organisation id (also its folder's name).</param>
/// <param name="Name">Its display name.</param>
/// <param name="Type">Its type.</param>
/// <param name="AdminUser">Its first admin's user id.</param>
/// <param name="GeneratedPassword">That admin's password when it was generated (shown once), else null.</param>
/// <param name="Folder">Its node's data folder.</param>
/// <param name="WebUrl">Its node's web UI and API address.</param>
public sealed record FoundedOrganisation(string Id, string Name, OrganisationType Type, string AdminUser, string? GeneratedPassword, string Folder, string WebUrl);
