using System.Collections.Concurrent;
using System.Text;

namespace HealthLedger.Node.Printouts;

/// <summary>
/// Right-to-left runs (Arabic, Hebrew) for PDFsharp, which draws characters left to right through the font's cmap and cannot
/// draw glyph ids: HarfBuzz shapes the run (Arabic joining, lam-alef ligatures, right-to-left direction) and its glyphs,
/// in visual order, are mapped back to the characters that give those glyphs in the font's cmap: the base letters, or the
/// Unicode presentation forms (U+FB50–FDFF, U+FE70–FEFF, U+FB1D–FB4F) for joined forms. The result is a string in visual
/// order that PDFsharp draws as shaped. A glyph no character maps to (a contextual alternate) falls back to its source
/// characters. Only whole runs are reordered (the line's direction stays left to right: labels are English), which is
/// right for names and short phrases; digits and Latin inside a right-to-left run are not given their own order.
/// </summary>
internal static class PdfShaping
{
    private static readonly ConcurrentDictionary<string, Shaper?> Shapers = new(StringComparer.Ordinal);

    /// <summary>True for a family whose text is right to left.</summary>
    public static bool IsRightToLeft(string family) => family is "Arabic" or "Hebrew";

    /// <summary><paramref name="run"/> (logical order) as characters in visual order, shaped with the font at <paramref name="fontFile"/>.</summary>
    public static string Visual(string run, string fontFile)
    {
        var core = run.Trim(' ');
        if (core.Length == 0) return run;
        var start = run.IndexOf(core, StringComparison.Ordinal);
        var shaper = Shapers.GetOrAdd(fontFile, Shaper.Open);
        var visual = shaper?.Shape(core) ?? Reverse(core);
        return run[..start] + visual + run[(start + core.Length)..];
    }

    private static string Reverse(string text)
    {
        var runes = text.EnumerateRunes().ToArray();
        Array.Reverse(runes);
        return string.Concat(runes.Select(r => r.ToString()));
    }

    private sealed class Shaper
    {
        private readonly Lock _lock = new();
        private readonly HarfBuzzSharp.Blob _blob;
        private readonly HarfBuzzSharp.Face _face;
        private readonly HarfBuzzSharp.Font _font;
        private readonly Dictionary<uint, int> _characterOf = [];

        private Shaper(HarfBuzzSharp.Blob blob, HarfBuzzSharp.Face face, HarfBuzzSharp.Font font)
        {
            (_blob, _face, _font) = (blob, face, font); // held for the process: the shaper is cached per font file
            // Presentation forms last, so that a glyph shared with a base letter extracts as the base letter.
            foreach (var (first, last) in new[] { (0x0590, 0x06FF), (0x0750, 0x077F), (0xFB1D, 0xFB4F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF) })
            {
                for (var c = first; c <= last; c++)
                {
                    if (font.TryGetGlyph((uint)c, out var glyph) && glyph != 0) _characterOf.TryAdd(glyph, c);
                }
            }
        }

        public static Shaper? Open(string fontFile)
        {
            if (!File.Exists(fontFile)) return null;
            try
            {
                var blob = HarfBuzzSharp.Blob.FromFile(fontFile);
                var face = new HarfBuzzSharp.Face(blob, 0);
                var font = new HarfBuzzSharp.Font(face);
                font.SetFunctionsOpenType();
                return new Shaper(blob, face, font);
            }
            catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
            {
                return null; // no native HarfBuzz on this platform: the run is only reversed
            }
        }

        public string Shape(string text)
        {
            lock (_lock)
            {
                using var buffer = new HarfBuzzSharp.Buffer();
                buffer.AddUtf16(text);
                buffer.GuessSegmentProperties();
                buffer.Direction = HarfBuzzSharp.Direction.RightToLeft;
                _font.Shape(buffer);
                var infos = buffer.GlyphInfos;
                var clusters = infos.Select(i => (int)i.Cluster).Distinct().Order().ToList();
                var output = new StringBuilder(text.Length);
                var emitted = new HashSet<int>();
                foreach (var info in infos)
                {
                    if (_characterOf.TryGetValue(info.Codepoint, out var c))
                    {
                        output.Append(char.ConvertFromUtf32(c));
                    }
                    else if (emitted.Add((int)info.Cluster))
                    {
                        // No character gives this glyph: the cluster's own characters, reversed into visual order.
                        var from = (int)info.Cluster;
                        var next = clusters.FirstOrDefault(k => k > from, text.Length);
                        output.Append(Reverse(text[from..next]));
                    }
                }
                return output.ToString();
            }
        }
    }
}
