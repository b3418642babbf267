namespace HealthLedger.Bench;

/// <summary>
/// Several clients (one per organisation of a consortium) as one: each sets itself up (at the same time), and operation
/// <c>i</c> goes to client <c>i mod n</c> (as its operation <c>i div n</c>), so the load is spread evenly and each client
/// still sees consecutive sequence numbers.
/// </summary>
public sealed class SpreadClient(IReadOnlyList<IBenchClient> clients) : IBenchClient
{
    public Task SetupAsync(BenchConfig config, Action<string> progress, CancellationToken ct) =>
        Task.WhenAll(clients.Select((c, i) => c.SetupAsync(config, what => progress($"organisation {i + 1}: {what}"), ct)));

    public Task<OpOutcome> RunAsync(OpKind kind, long sequence, bool retryBusy, CancellationToken ct) =>
        clients[(int)(sequence % clients.Count)].RunAsync(kind, sequence / clients.Count, retryBusy, ct);

    public async ValueTask DisposeAsync()
    {
        foreach (var c in clients) await c.DisposeAsync();
    }
}
