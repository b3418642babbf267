namespace HealthLedger.Bench;

/// <summary>The hospital operations of the workload.</summary>
public enum OpKind
{
    RegisterPatient,
    Encounter,
    Charge,
    Payment,
    LabReport,
    GrantRevoke,
    Read,
    /// <summary>A lab order through its whole life: ordered, specimen collected, received, results entered, validated (five writes; latency to the last commit).</summary>
    LabOrder,
    /// <summary>A prescription and its dispense (two writes: the dispense takes stock and posts the charge).</summary>
    Dispense,
}

/// <summary>A system under test, seen from its clients: sets up users and runs one operation at a time (many concurrently).</summary>
public interface IBenchClient : IAsyncDisposable
{
    /// <summary>Creates the doctor, patients, laboratory and pharmacy the operations use.</summary>
    Task SetupAsync(BenchConfig config, Action<string> progress, CancellationToken ct);

    /// <summary>
    /// Runs one operation to its commit. With <paramref name="retryBusy"/> a request refused for overload (503) is sent again
    /// after its <c>Retry-After</c> (the operation's latency still counts from the first send); without, a refusal of the
    /// operation's first request is the outcome (<see cref="OpOutcome.Rejected"/>), while the later steps of an operation already
    /// begun (a lab order's, a dispense's) are sent again either way.
    /// </summary>
    Task<OpOutcome> RunAsync(OpKind kind, long sequence, bool retryBusy, CancellationToken ct);
}

/// <summary>Picks operations by weight, deterministically from a sequence number.</summary>
public sealed class OpPicker(WorkloadMix mix)
{
    private readonly (OpKind Kind, int Weight)[] _weights =
    [
        (OpKind.RegisterPatient, mix.RegisterPatient), (OpKind.Encounter, mix.Encounter), (OpKind.Charge, mix.Charge),
        (OpKind.Payment, mix.Payment), (OpKind.LabReport, mix.LabReport), (OpKind.GrantRevoke, mix.GrantRevoke), (OpKind.Read, mix.Read),
        (OpKind.LabOrder, mix.LabOrder), (OpKind.Dispense, mix.Dispense),
    ];

    /// <summary>The operation for sequence number <paramref name="sequence"/>.</summary>
    public OpKind Pick(long sequence)
    {
        var total = _weights.Sum(w => w.Weight);
        var x = (int)((ulong)(sequence * 2654435761L) % (ulong)total);
        foreach (var (kind, weight) in _weights)
        {
            if (x < weight) return kind;
            x -= weight;
        }
        return OpKind.Read;
    }
}
