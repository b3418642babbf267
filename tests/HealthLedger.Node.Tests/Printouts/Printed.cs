using System.Net;
using System.Net.Http.Json;
using HealthLedger.Node.Laboratory;
using HealthLedger.Node.Printouts;
using HealthLedger.Node.Tests.Laboratory;
using HealthLedger.Testing;
using static HealthLedger.Node.Tests.ApiResponses;

namespace HealthLedger.Node.Tests.Printouts;

/// <summary>
/// What the printout tests share (medical reports, lab reports, whole records): fetching a printout, reading it back as text
/// and drawn pages (<see cref="PdfTools"/>), the file check, and a validated full blood count in the laboratory world
/// (<see cref="LabApiTests.SetUpAsync"/>).
/// </summary>
internal static class Printed
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The PDF at <paramref name="path"/>: asserts 200 and <c>application/pdf</c>.</summary>
    public static async Task<byte[]> PdfAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync(Ct);
    }

    /// <summary>The PDF at <paramref name="path"/>, drawn to at least one non-empty A4 PNG page, and its text.</summary>
    public static async Task<(byte[] Pdf, string Text, int Pages)> PrintAsync(HttpClient client, string path)
    {
        var pdf = await PdfAsync(client, path);
        var pages = await PdfTools.RenderPagesAsync(pdf, Ct);
        Assert.NotEmpty(pages);
        foreach (var png in pages)
        {
            var (width, height) = PdfTools.PngSize(png);
            Assert.InRange(height / (double)width, 1.40, 1.43); // A4 portrait
            Assert.True(png.Length > 2_000, $"a page drew only {png.Length} bytes"); // text and the QR code, not a blank page
        }
        return (pdf, await PdfTools.TextAsync(pdf, Ct), pages.Count);
    }

    /// <summary>The text of <paramref name="pdf"/> (pdftotext -layout).</summary>
    public static Task<string> TextAsync(byte[] pdf) => PdfTools.TextAsync(pdf, Ct);

    /// <summary>What <c>POST /api/v1/verify/file</c> tells <paramref name="client"/> about <paramref name="file"/>.</summary>
    public static async Task<FileMatch> CheckAsync(HttpClient client, byte[] file, string name = "printout.pdf")
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(file), "file", name } };
        return await Read<FileMatch>(await client.PostAsync("/api/v1/verify/file", form, Ct));
    }

    /// <summary>A full blood count ordered by the doctor, collected, received and resulted by the technician: the order after its results.</summary>
    public static async Task<LabOrderResponse> ResultedAsync(LabApiTests.World w, string specimenId)
    {
        var order = await Read<LabOrderResponse>(await w.Doctor.PostAsJsonAsync("/api/v1/lab/orders", new { patientId = w.PatientId, tests = new[] { "FBC" }, priority = "urgent" }, Ct));
        order = await Read<LabOrderResponse>(await w.Technician.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/specimen", new { specimenId }, Ct));
        await Read<LabOrderResponse>(await w.Technician.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/specimen/receipt", new { specimenId }, Ct));
        return await Read<LabOrderResponse>(await w.Technician.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/results", LabApiTests.FbcResults(), Ct));
    }

    /// <summary><see cref="ResultedAsync"/>, then validated by the first pathologist with a comment: the validated order.</summary>
    public static async Task<LabOrderResponse> ValidatedAsync(LabApiTests.World w, string specimenId)
    {
        var order = await ResultedAsync(w, specimenId);
        return await Read<LabOrderResponse>(await w.Pathologist.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/validate", new { notes = "Iron studies advised." }, Ct));
    }
}
