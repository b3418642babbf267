using HealthLedger.ThrowawayPostgres;

namespace HealthLedger.Storage.Tests;

/// <summary>One throwaway PostgreSQL server per test class (fsync off: these tests check behaviour, not durability); each test makes a database of its own.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;
    private int _databases;

    /// <summary>The running server.</summary>
    public PostgresServer Server => _server ?? throw new InvalidOperationException("not started");

    /// <summary>A new empty database; returns its name and a connection string to it.</summary>
    public (string Name, string ConnectionString) NewDatabase()
    {
        var name = $"ledger_{Interlocked.Increment(ref _databases)}";
        return (name, Server.CreateDatabaseAsync(name).GetAwaiter().GetResult());
    }

    /// <inheritdoc/>
    public async ValueTask InitializeAsync() => _server = await PostgresServer.StartAsync(durable: false);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
