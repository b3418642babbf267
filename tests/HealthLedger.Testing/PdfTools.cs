using System.Diagnostics;

namespace HealthLedger.Testing;

/// <summary>
/// Poppler's command-line tools over a PDF in memory (test.sh installs poppler-utils): its text (<c>pdftotext</c>), and its
/// pages rendered to PNG images (<c>pdftoppm</c>), which proves that a viewer can draw it. Shared by the printout tests.
/// </summary>
public static class PdfTools
{
    /// <summary>The PDF's text as <c>pdftotext -enc UTF-8</c> extracts it (with <c>-layout</c> when <paramref name="layout"/>).</summary>
    /// <exception cref="InvalidOperationException">pdftotext is missing or failed (its error output in the message).</exception>
    public static async Task<string> TextAsync(byte[] pdf, CancellationToken ct, bool layout = true)
    {
        using var folder = new TempDirectory();
        var path = folder.Combine("printout.pdf");
        await File.WriteAllBytesAsync(path, pdf, ct);
        return await RunAsync("pdftotext", ct, [.. new[] { "-enc", "UTF-8" }, .. layout ? ["-layout"] : Array.Empty<string>(), path, "-"]);
    }

    /// <summary>
    /// Each page of the PDF drawn as a PNG at <paramref name="dpi"/> dots per inch (<c>pdftoppm -png</c>), in page order.
    /// </summary>
    /// <exception cref="InvalidOperationException">pdftoppm is missing or failed (its error output in the message).</exception>
    public static async Task<IReadOnlyList<byte[]>> RenderPagesAsync(byte[] pdf, CancellationToken ct, int dpi = 50)
    {
        using var folder = new TempDirectory();
        var path = folder.Combine("printout.pdf");
        await File.WriteAllBytesAsync(path, pdf, ct);
        await RunAsync("pdftoppm", ct, "-png", "-r", dpi.ToString(System.Globalization.CultureInfo.InvariantCulture), path, folder.Combine("page"));
        var pages = Directory.GetFiles(folder.Path, "page-*.png").Order(StringComparer.Ordinal).ToList();
        return [.. await Task.WhenAll(pages.Select(p => File.ReadAllBytesAsync(p, ct)))];
    }

    /// <summary>The width and height in pixels of a PNG image (its IHDR chunk); throws when <paramref name="png"/> is not a PNG.</summary>
    public static (int Width, int Height) PngSize(byte[] png)
    {
        ReadOnlySpan<byte> signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        if (png.Length < 24 || !png.AsSpan(0, 8).SequenceEqual(signature)) throw new InvalidOperationException("Not a PNG image.");
        return (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    private static async Task<string> RunAsync(string program, CancellationToken ct, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start (test.sh installs poppler-utils)");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} exited with {process.ExitCode}: {await error}");
        return await output;
    }
}
