using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace HealthLedger.Bench;

/// <summary>
/// The baseline a hospital would run without a blockchain: the same operations as ordinary rows in PostgreSQL, each in one
/// durable transaction (fsync and synchronous commit on) with a row in an append-only audit table. With
/// <paramref name="chained"/>, each audit row also holds SHA-256(previous row's hash ‖ row): the usual hand-made tamper
/// evidence, which serialises every writer on the chain's head. A lab order is the same five durable transactions as
/// HealthLedger's five steps (order; specimen collected; received; results; validation with the report and its charge
/// entry), and a dispense the same two (the prescription; the dispense, which takes the units from the batch row under a
/// row lock, refuses to go below zero, and writes the dispense and its charge entry).
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
        CREATE TABLE lab_orders (id text PRIMARY KEY, patient_id text NOT NULL REFERENCES patients(id), status text NOT NULL, specimen_id text UNIQUE, record jsonb NOT NULL, results jsonb, report jsonb, charge_entry_id bigint REFERENCES entries(id));
        CREATE TABLE batches (id text PRIMARY KEY, drug text NOT NULL, expires_on date NOT NULL, on_hand int NOT NULL CHECK (on_hand >= 0));
        CREATE TABLE prescriptions (id text PRIMARY KEY, patient_id text NOT NULL REFERENCES patients(id), drug text NOT NULL, quantity int NOT NULL, record jsonb NOT NULL);
        CREATE TABLE dispenses (id bigserial PRIMARY KEY, prescription_id text NOT NULL REFERENCES prescriptions(id), batch_id text NOT NULL REFERENCES batches(id), quantity int NOT NULL, charge_entry_id bigint NOT NULL REFERENCES entries(id));
        INSERT INTO batches VALUES ('bt-bench', 'paracetamol-500', now()::date + 730, 1000000);
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

    public async Task<OpOutcome> RunAsync(OpKind kind, long sequence, bool retryBusy, CancellationToken ct)
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
                case OpKind.LabOrder:
                    var order = $"lo-{sequence}-{Guid.NewGuid():N}";
                    await Write("dr-bench", "place-lab-order", order, "INSERT INTO lab_orders(id, patient_id, status, record) VALUES ($1, $2, 'ordered', $3::jsonb)",
                        [order, patient, JsonSerializer.Serialize(new { tests = new[] { "FBC" }, priority = "routine", clinicalNote = "Routine bloods." })], ct);
                    await Write("lt-bench", "collect-specimen", order, "UPDATE lab_orders SET status = 'collected', specimen_id = $2 WHERE id = $1 AND status = 'ordered'", [order, "sp-" + order], ct);
                    await Write("lt-bench", "receive-specimen", order, "UPDATE lab_orders SET status = 'received' WHERE id = $1 AND specimen_id = $2 AND status = 'collected'", [order, "sp-" + order], ct);
                    await Write("lt-bench", "enter-results", order, "UPDATE lab_orders SET status = 'resulted', results = $2::jsonb WHERE id = $1 AND status = 'received'",
                        [order, JsonSerializer.Serialize(new[] { new { code = "HGB", value = 131m }, new { code = "WBC", value = 6.2m }, new { code = "PLT", value = 250m } })], ct);
                    await InTransaction("pa-bench", "validate-results", order, async (c, t) =>
                    {
                        await using var charge = new NpgsqlCommand("INSERT INTO entries(patient_id, kind, record) VALUES ($1, 'charge', $2::jsonb) RETURNING id", c, t);
                        charge.Parameters.AddWithValue(patient);
                        charge.Parameters.AddWithValue(JsonSerializer.Serialize(new { service = "Laboratory: Full blood count", quantity = 1, unitPrice = 25.50 }));
                        var chargeId = (long)(await charge.ExecuteScalarAsync(ct))!;
                        await using var validate = new NpgsqlCommand("UPDATE lab_orders SET status = 'validated', report = $2::jsonb, charge_entry_id = $3 WHERE id = $1 AND status = 'resulted'", c, t);
                        validate.Parameters.AddWithValue(order);
                        validate.Parameters.AddWithValue(JsonSerializer.Serialize(new[] { new { code = "HGB", value = 131, range = "120-175", flag = "" } }));
                        validate.Parameters.AddWithValue(chargeId);
                        if (await validate.ExecuteNonQueryAsync(ct) != 1) throw new InvalidOperationException($"lab order {order} is not resulted");
                    }, ct);
                    break;
                case OpKind.Dispense:
                    var rx = $"rx-{sequence}-{Guid.NewGuid():N}";
                    await Write("dr-bench", "prescribe", rx, "INSERT INTO prescriptions(id, patient_id, drug, quantity, record) VALUES ($1, $2, 'paracetamol-500', 4, $3::jsonb)",
                        [rx, patient, JsonSerializer.Serialize(new { dose = "1 g", route = "oral", frequency = "four times a day", durationDays = 1, repeats = 0 })], ct);
                    await InTransaction("ph-bench", "dispense", rx, async (c, t) =>
                    {
                        // First expiry first out, under a row lock; the CHECK refuses negative stock.
                        await using var take = new NpgsqlCommand("""
                            UPDATE batches SET on_hand = on_hand - 4 WHERE id = (SELECT id FROM batches WHERE drug = 'paracetamol-500' AND expires_on > now()::date AND on_hand >= 4
                            ORDER BY expires_on LIMIT 1 FOR UPDATE) RETURNING id
                            """, c, t);
                        var batch = (string?)await take.ExecuteScalarAsync(ct) ?? throw new InvalidOperationException("not enough stock");
                        await using var charge = new NpgsqlCommand("INSERT INTO entries(patient_id, kind, record) VALUES ($1, 'charge', $2::jsonb) RETURNING id", c, t);
                        charge.Parameters.AddWithValue(patient);
                        charge.Parameters.AddWithValue(JsonSerializer.Serialize(new { service = "Pharmacy: Paracetamol 500 mg tablet", quantity = 4, unitPrice = 0.05 }));
                        var chargeId = (long)(await charge.ExecuteScalarAsync(ct))!;
                        await using var dispense = new NpgsqlCommand("INSERT INTO dispenses(prescription_id, batch_id, quantity, charge_entry_id) VALUES ($1, $2, 4, $3)", c, t);
                        dispense.Parameters.AddWithValue(rx);
                        dispense.Parameters.AddWithValue(batch);
                        dispense.Parameters.AddWithValue(chargeId);
                        await dispense.ExecuteNonQueryAsync(ct);
                    }, ct);
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
            return OpOutcome.Ok;
        }
        catch (NpgsqlException e)
        {
            return OpOutcome.Failed("PostgreSQL: " + (e is PostgresException p ? p.SqlState + " " + p.MessageText : e.Message));
        }
        catch (InvalidOperationException e)
        {
            return OpOutcome.Failed("PostgreSQL: " + e.Message);
        }
    }

    private Task Write(string actor, string action, string target, string sql, object[] values, CancellationToken ct) =>
        InTransaction(actor, action, target, async (c, t) =>
        {
            await using var cmd = new NpgsqlCommand(sql, c, t);
            foreach (var v in values) cmd.Parameters.AddWithValue(v);
            if (await cmd.ExecuteNonQueryAsync(ct) != 1) throw new InvalidOperationException($"{action} {target}: no row changed (a step out of order)");
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
