using System.Security.Cryptography;

namespace HealthLedger.Node.Records;

/// <summary>New record ids: a kind prefix and ten random characters from an alphabet without look-alikes (0/o, 1/l).</summary>
public static class RecordIds
{
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyz23456789";

    /// <summary>A new id such as <c>pt-7k2m9q4xza</c> (about 50 bits of randomness).</summary>
    public static string New(string prefix) => $"{prefix}-{RandomNumberGenerator.GetString(Alphabet, 10)}";
}
