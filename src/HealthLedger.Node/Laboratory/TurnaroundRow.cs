namespace HealthLedger.Node.Laboratory;

/// <summary>One row of the turnaround report: an ordered code at one priority, how many were validated, median and longest hours (order → first validation, block times), the target and how many met it.</summary>
public sealed record TurnaroundRow(string Code, string Name, string Priority, int Validated, double MedianHours, double LongestHours, int TargetHours, int WithinTarget);
