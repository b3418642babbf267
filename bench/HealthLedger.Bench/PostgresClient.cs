using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace HealthLedger.Bench;

/// <summary>
/// The baseline a hospital would run without a blockchain: the same operations as ordinary rows in PostgreSQL, each in one
/// durable transaction (fsync and synchronous commit on) with a row in an append-only audit table. With
/// <paramref name="chained"/>, each audit row also holds SHA-256(previous row's hash ‖ row): the usual hand-made tamper
/// evidence, which serialises every writer on the chain's head.
/// </summary>
public sealed class PostgresClient(string connectionString, bool chained) : IBenchClient
{
    private NpgsqlDataSource? _db;
    private readonly List<string> _patients = [];
    private byte[] _document = [];

    private const string Schema = """
        CREATE TABLE patients (id text PRIMARY KEY, mrn text UNIQUE NOT NULL, record jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE entries (id bigserial PRIMARY KEY, patient_id text NOT NULL REFERENCES patients(id), kind text NOT NULL, record jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE reports (id bigserial PRIMARY KEY, patient_id text NOT NULL REFERENCES patients(id), record jsonb NOT NULL, document bytea NOT NULL, document_sha256 bytea NOT NULL);
        CREATE TABLE grants (id bigserial PRIMARY KEY, patient_id text NOT NULL REFERENCES patients(id), grantee text NOT NULL, active boolean NOT NULL);
        CREATE TABLE audit (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), actor text NOT NULL, action text NOT NULL, target text NOT NULL, hash bytea);
        CREATE TABLE audit_head (id int PRIMARY KEY CHECK (id = 1), hash bytea NOT NULL);
        INSERT INTO audit_head VALUES (1, '\x00');
        REVOKE UPDATE, DELETE ON audit FROM PUBLIC;
        """;

    public async Task SetupAsync(BenchConfig config, Action<string> progress, CancellationToken ct)
    {
        _db = new NpgsqlDataSourceBuilder(connectionString).Build();
        _document = new byte[config.DocumentBytes];
        RandomNumberGenerator.Fill(_document);
        progress("creating the schema");
        await using (var cmd = _db.CreateCommand(Schema)) await cmd.ExecuteNonQueryAsync(ct);
        for (var i = 0; i < config.Patients; i++)
        {
            var id = $"pt-{i}";
            await InTransaction("admin", "register-patient", id, async (c, t) =>
            {
                await using var cmd = new NpgsqlCommand("INSERT INTO patients(id, mrn, record) VALUES ($1, $2, $3::jsonb)", c, t);
                cmd.Parameters.AddWithValue(id);
                cmd.Parameters.AddWithValue("MRN-" + i);
                cmd.Parameters.AddWithValue(JsonSerializer.Serialize(new { fullName = "Bench Patient " + i, dateOfBirth = "1970-01-01" }));
                await cmd.ExecuteNonQueryAsync(ct);
            }, ct);
            _patients.Add(id);
        }
    }

    public async Task<string?> RunAsync(OpKind kind, long sequence, CancellationToken ct)
    {
        var patient = _patients[(int)(sequence % _patients.Count)];
        try
        {
            switch (kind)
            {
                case OpKind.RegisterPatient:
                    var id = $"pt-r{sequence}-{Guid.NewGuid():N}";
                    await Write("admin", "register-patient", id, "INSERT INTO patients(id, mrn, record) VALUES ($1, $2, $3::jsonb)",
                        [id, "MRN-" + id, JsonSerializer.Serialize(new { fullName = "Bench Patient", dateOfBirth = "1970-01-01", conditions = new[] { "Hypertension" } })], ct);
                    break;
                case OpKind.Encounter or OpKind.Charge or OpKind.Payment:
                    await Write("admin", kind.ToString(), patient, "INSERT INTO entries(patient_id, kind, record) VALUES ($1, $2, $3::jsonb)",
                        [patient, kind.ToString(), JsonSerializer.Serialize(new { occurredAt = DateTime.UtcNow, doctorId = "dr-bench", notes = "Routine review.", amount = 40 })], ct);
                    break;
                case OpKind.LabReport:
                    await Write("dr-bench", "lab-report", patient, "INSERT INTO reports(patient_id, record, document, document_sha256) VALUES ($1, $2::jsonb, $3, $4)",
                        [patient, JsonSerializer.Serialize(new { type = "lab", title = "Full blood count", results = new[] { new { test = "Haemoglobin", value = "131" } } }), _document, SHA256.HashData(_document)], ct);
                    break;
                case OpKind.GrantRevoke:
                    await Write(patient, "grant", patient, "INSERT INTO grants(patient_id, grantee, active) VALUES ($1, 'dr-bench', true)", [patient], ct);
                    break;
                default:
                    await InTransaction("dr-bench", "read", patient, async (c, t) =>
                    {
                        await using var cmd = new NpgsqlCommand("SELECT record FROM patients WHERE id = $1", c, t);
                        cmd.Parameters.AddWithValue(patient);
                        await cmd.ExecuteScalarAsync(ct);
                    }, ct);
                    break;
            }
            return null;
        }
        catch (NpgsqlException e)
        {
            return "PostgreSQL: " + (e is PostgresException p ? p.SqlState + " " + p.MessageText : e.Message);
        }
    }

    private Task Write(string actor, string action, string target, string sql, object[] values, CancellationToken ct) =>
        InTransaction(actor, action, target, async (c, t) =>
        {
            await using var cmd = new NpgsqlCommand(sql, c, t);
            foreach (var v in values) cmd.Parameters.AddWithValue(v);
            await cmd.ExecuteNonQueryAsync(ct);
        }, ct);

    // One durable transaction: the change and its audit row (chained: the head row is locked, so writers take turns).
    private async Task InTransaction(string actor, string action, string target, Func<NpgsqlConnection, NpgsqlTransaction, Task> change, CancellationToken ct)
    {
        await using var connection = await _db!.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await change(connection, transaction);
        byte[]? hash = null;
        if (chained)
        {
            await using var head = new NpgsqlCommand("SELECT hash FROM audit_head WHERE id = 1 FOR UPDATE", connection, transaction);
            var previous = (byte[])(await head.ExecuteScalarAsync(ct))!;
            hash = SHA256.HashData([.. previous, .. Encoding.UTF8.GetBytes($"{actor}|{action}|{target}|{DateTime.UtcNow:O}")]);
            await using var move = new NpgsqlCommand("UPDATE audit_head SET hash = $1 WHERE id = 1", connection, transaction);
            move.Parameters.AddWithValue(hash);
            await move.ExecuteNonQueryAsync(ct);
        }
        await using (var audit = new NpgsqlCommand("INSERT INTO audit(actor, action, target, hash) VALUES ($1, $2, $3, $4)", connection, transaction))
        {
            audit.Parameters.AddWithValue(actor);
            audit.Parameters.AddWithValue(action);
            audit.Parameters.AddWithValue(target);
            audit.Parameters.AddWithValue(hash is null ? DBNull.Value : hash);
            await audit.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_db is not null) await _db.DisposeAsync();
    }
}
