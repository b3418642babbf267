using System.Globalization;
using ScottPlot;

namespace HealthLedger.Node.Expenses;

/// <summary>
/// The income-and-expenditure chart: per department and in total, revenue, approved expenses and budget as grouped bars,
/// drawn by ScottPlot on the server as SVG (embedded in the page, no script, nothing fetched from elsewhere).
/// </summary>
public static class ExpenseChart
{
    private static readonly Color Revenue = Color.FromHex("#2e7d32");
    private static readonly Color Spent = Color.FromHex("#c62828");
    private static readonly Color Budget = Color.FromHex("#1565c0");

    /// <summary>The report as an SVG document (width × height pixels).</summary>
    public static string Svg(IncomeExpenditureReport report, int width = 720, int height = 360)
    {
        var plot = new Plot();
        plot.Font.Set("DejaVu Sans");
        var groups = report.Rows.Append(report.Total).ToList();
        var bars = new List<Bar>();
        for (var i = 0; i < groups.Count; i++)
        {
            var g = groups[i];
            var x = i * 4.0;
            bars.Add(new Bar { Position = x, Value = (double)g.Revenue, FillColor = Revenue });
            bars.Add(new Bar { Position = x + 1, Value = (double)g.ApprovedExpenses, FillColor = Spent });
            bars.Add(new Bar { Position = x + 2, Value = (double)(g.Budget ?? 0), FillColor = Budget });
        }
        if (bars.Count > 0) plot.Add.Bars(bars);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            groups.Select((_, i) => i * 4.0 + 1).ToArray(), groups.Select(g => g.Department).ToArray());
        plot.Axes.Margins(bottom: 0);
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "Revenue (charges)", FillColor = Revenue });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "Approved expenses", FillColor = Spent });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "Budget", FillColor = Budget });
        plot.ShowLegend(Edge.Right);
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"Income and expenditure {report.Month}{(report.Department is null ? "" : " · " + report.Department)}"));
        plot.YLabel("amount");
        return plot.GetSvgXml(width, height);
    }
}
