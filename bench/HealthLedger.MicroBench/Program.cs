using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/HealthLedger.MicroBench -- --filter '*'            (all, default job)
// dotnet run -c Release --project bench/HealthLedger.MicroBench -- --filter '*' --job short (quicker, wider error bars)
// dotnet run -c Release --project bench/HealthLedger.MicroBench -- patient-search-cpu       (CPU time per search, naive and indexed alternating)
if (args is ["patient-search-cpu", ..])
{
    HealthLedger.MicroBench.PatientSearch.MeasureCpu(Console.Out);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(HealthLedger.MicroBench.HotPaths).Assembly).Run(args);
