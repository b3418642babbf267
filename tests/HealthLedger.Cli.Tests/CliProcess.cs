using System.Diagnostics;
using System.Text;

namespace HealthLedger.Cli.Tests;

/// <summary>Runs the real <c>healthledger</c> executable (the built assembly) as a separate process.</summary>
internal sealed class CliProcess : IDisposable
{
    public const string Password = "cli-test-root-password";

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CliProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stdout) _stdout.AppendLine(e.Data);
            if (e.Data.StartsWith("HealthLedger is running at ", StringComparison.Ordinal)) _ready.TrySetResult(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stderr) _stderr.AppendLine(e.Data);
        };
        process.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException($"healthledger exited with {SafeExitCode(process)}: {Stderr}"));
        process.EnableRaisingEvents = true;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Stdout
    {
        get
        {
            lock (_stdout) return _stdout.ToString();
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr) return _stderr.ToString();
        }
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public static CliProcess Start(params string[] args) => Start(null, args);

    /// <summary>Starts a command with <paramref name="environment"/> set over the usual (a null value removes a variable).</summary>
    public static CliProcess Start(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "healthledger.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["HEALTHLEDGER_ADMIN_PASSWORD"] = Password;
        info.Environment["DOTNET_NOLOGO"] = "1";
        // The JIT re-compiles a method with full optimisation after 1,000 calls instead of 30: these processes live seconds, and
        // the default re-compiles thousands of start-up methods that never run again (measured on four of the network test
        // classes, 2 cores: 12% less CPU, 9% less wall time). Same code and results; a deployed node keeps the default.
        info.Environment["DOTNET_TC_CallCountThreshold"] = "1000";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) info.Environment.Remove(name);
            else info.Environment[name] = value;
        }
        return new CliProcess(new Process { StartInfo = info });
    }

    /// <summary>Runs a command to completion.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) => RunAsync(TimeSpan.FromMinutes(2), args);

    /// <summary>Runs a command to completion with <paramref name="environment"/> set over the usual.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        using var p = Start(environment, args);
        await p.WaitForExitAsync(TimeSpan.FromMinutes(2));
        return (p._process.ExitCode, p.Stdout, p.Stderr);
    }

    /// <summary>Runs a command to completion within <paramref name="timeout"/>.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(TimeSpan timeout, params string[] args)
    {
        using var p = Start(args);
        await p.WaitForExitAsync(timeout);
        return (p._process.ExitCode, p.Stdout, p.Stderr);
    }

    /// <summary>Waits until an <c>up</c> process prints its URL.</summary>
    public async Task WaitUntilServingAsync() => await _ready.Task.WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit(); // drains the output readers
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>SIGKILL: no chance to clean up.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM: a graceful stop, as Ctrl+C or systemd would.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>
    /// SIGINT: Ctrl+C at a terminal (to this process only, not its children). Fails at once when the process ignores SIGINT: a
    /// test host started from a non-interactive shell's background job (<c>cmd &amp;</c>) inherits SIGINT ignored, .NET keeps it
    /// ignored, and the signal would do nothing. Start the suite from a terminal or reset the signal first.
    /// </summary>
    public void Interrupt()
    {
        var ignored = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) is { } line
            && (ulong.Parse(line["SigIgn:".Length..].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture) & (1UL << 1)) != 0;
        Assert.False(ignored, $"process {_process.Id} ignores SIGINT, inherited from the test host (started as a background job of a non-interactive shell?): " +
            "Ctrl+C cannot be tested in this environment");
        using var kill = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Waits for 'cluster up' to print the process id of each of its <paramref name="count"/> nodes.</summary>
    public async Task<int[]> WaitForPidsAsync(int count)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        while (true)
        {
            var pids = System.Text.RegularExpressions.Regex.Matches(Stdout, @"^node-(\d+): pid (\d+)", System.Text.RegularExpressions.RegexOptions.Multiline)
                .ToDictionary(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
            if (pids.Count == count) return Enumerable.Range(1, count).Select(k => pids[k]).ToArray();
            if (_process.HasExited) throw new InvalidOperationException($"cluster up exited: {Stdout}{Stderr}");
            await Task.Delay(100, timeout.Token);
        }
    }

    /// <summary>SIGKILL a process by id.</summary>
    public static void KillPid(int pid)
    {
        using var kill = Process.Start("kill", ["-KILL", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>True when a process of that id runs (one that exited and waits to be reaped by whoever adopted it does not).</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return !stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Waits (up to <paramref name="timeout"/>) until none of <paramref name="pids"/> runs; false when some still does.</summary>
    public static async Task<bool> WaitUntilGoneAsync(IReadOnlyCollection<int> pids, TimeSpan timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        while (pids.Any(IsRunning) && !deadline.IsCancellationRequested) await Task.Delay(100, CancellationToken.None);
        return !pids.Any(IsRunning);
    }

    public static int FreePort() => HealthLedger.Testing.Ports.Free();

    private static string SafeExitCode(Process p)
    {
        try
        {
            return p.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
