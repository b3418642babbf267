using HealthLedger.Core.Model;

namespace HealthLedger.Node.Hosting;

/// <summary>An organisation that founds a consortium with others (<see cref="NetworkInitializer.InitConsortium"/>).</summary>
/// <param name="Name">Its display name; its id and folder name derive from it.</param>
/// <param name="Type">Hospital, laboratory, pharmacy, clinic or rescuer.</param>
/// <param name="Contact">How to reach its administrators (one line; may be empty).</param>
public sealed record FoundingOrganisation(string Name, OrganisationType Type, string Contact = "");
