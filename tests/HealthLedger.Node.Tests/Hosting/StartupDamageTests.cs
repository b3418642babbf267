using System.Net.Http.Json;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Ledger;
using HealthLedger.Testing;
using Microsoft.Data.Sqlite;

namespace HealthLedger.Node.Tests.Hosting;

/// <summary>
/// Damage the start-up check used to let through (only 'verify' noticed it, or nothing did): a damaged commit certificate, a
/// damaged consensus voting state (which was reset silently: a double-signing risk), and edited <c>height</c> columns of
/// <c>state</c> and <c>blobs</c>. Each is done to the real file of a stopped node, and the next start is refused naming it.
/// (A flipped byte in a document file: <c>MedicalReportsApiTests</c>.)
/// </summary>
public class StartupDamageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> Damage() => new()
    {
        { "UPDATE commits SET certificate = CAST(substr(certificate, 1, 60) || (CASE WHEN substr(certificate, 61, 1) = x'5a' THEN x'5b' ELSE x'5a' END) || substr(certificate, 62) AS BLOB) WHERE height = (SELECT MAX(height) FROM commits)", "the commit certificate" },
        { "UPDATE commits SET certificate = CAST(substr(certificate, 1, length(certificate) - 3) || (CASE WHEN substr(certificate, -3, 1) = x'00' THEN x'01' ELSE x'00' END) || substr(certificate, -2) AS BLOB) WHERE height = 1", "has a bad signature" },
        { "DELETE FROM commits WHERE height = 1", "no commit certificate is stored with it" },
        { "UPDATE consensus SET state = CAST(substr(state, 1, 2) || (CASE WHEN substr(state, 3, 1) = x'07' THEN x'06' ELSE x'07' END) || substr(state, 4) AS BLOB)", "voting state" },
        { "UPDATE consensus SET state = CAST(substr(state, 1, length(state) - 40) || (CASE WHEN substr(state, -40, 1) = x'07' THEN x'06' ELSE x'07' END) || substr(state, -39) AS BLOB)", "voting state" },
        { "UPDATE state SET height = height + 1000 WHERE key = 'user/admin'", "filed under height" },
        { "UPDATE blobs SET height = height - 1 WHERE hash = (SELECT MAX(hash) FROM blobs)", "filed under height" },
        // Break-it (2026-12-05): a key stored as a BLOB passed the start (and the sweep) and vanished from every read of it.
        { "UPDATE state SET key = CAST(key AS BLOB) WHERE key = 'user/admin'", "State row 'user/admin' is not stored as a TEXT key with a BLOB value" },
        { "UPDATE state SET value = CAST(value AS TEXT) WHERE key = 'user/admin'", "State row 'user/admin' is not stored as a TEXT key with a BLOB value" },
        // Break-it (2026-12-05): a renamed 'validators' row (the number of rows unchanged, so the kept tree was used) crashed the
        // consensus host with an ArgumentException before the sweep could find it.
        { "UPDATE state SET key = 'validatorz' WHERE key = 'validators'", "stored world state" },
        { "UPDATE state SET value = " + SqlTamper.FlipByte("value", 3) + " WHERE key = 'network'", "The ledger failed its start-up integrity check" },
    };

    [Theory]
    [MemberData(nameof(Damage))]
    public async Task A_node_refuses_to_start_on_damage_its_start_up_check_used_to_miss(string sql, string named)
    {
        using var folder = new TempDirectory();
        await using (var node = await NodeFixture.StartAsync(folder))
        {
            using var admin = await node.LoginAsync("admin", NodeFixture.Password);
            for (var i = 0; i < 2; i++)
            {
                using var created = await admin.PostAsJsonAsync("/api/v1/patients",
                    new { mrn = $"MRN-D{i}", fullName = $"Dana D{i}", dateOfBirth = "1980-02-03", gender = "female", conditions = Array.Empty<string>() }, Ct);
                created.EnsureSuccessStatusCode();
            }
            await node.StopAsync();
        }
        var data = folder.Combine("data");
        using (var connection = new SqliteConnection($"Data Source={new DataDirectory(data).LedgerPath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            Assert.Equal(1, command.ExecuteNonQuery());
        }
        var e = Assert.Throws<LedgerIntegrityException>(() => NodeHost.Build(new NodeOptions { DataDirectory = data }, "http://127.0.0.1:0"));
        Assert.Contains(named, e.Message);
    }
}
