using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/HealthLedger.MicroBench -- --filter '*'            (all, default job)
// dotnet run -c Release --project bench/HealthLedger.MicroBench -- --filter '*' --job short (quicker, wider error bars)
BenchmarkSwitcher.FromAssembly(typeof(HealthLedger.MicroBench.HotPaths).Assembly).Run(args);
