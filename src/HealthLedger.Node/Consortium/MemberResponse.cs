namespace HealthLedger.Node.Consortium;

/// <summary>A member organisation: type (hospital, laboratory, pharmacy, clinic, rescuer), contact, status (active, suspended, removed) and its nodes.</summary>
public sealed record MemberResponse(string Id, string Name, string Type, string Contact, string Status, string SigningKey, string EncryptionKey, IReadOnlyList<MemberNodeResponse> Nodes);
