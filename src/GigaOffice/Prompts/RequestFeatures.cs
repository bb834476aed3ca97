using System.Globalization;
using System.Text;
using System.Text.Json;
using Lucene.Net.Tartarus.Snowball.Ext;

namespace GigaOffice.Prompts;

/// <summary>What the selected cells look like, as far as it hints at the task.</summary>
public enum TableShape
{
    /// <summary>Nothing selected, or only empty cells: a new table or a question.</summary>
    None,
    /// <summary>One row: column headers to fill in.</summary>
    Header,
    /// <summary>Headers over numbers only (no label column): a sample to describe, e.g. by a histogram.</summary>
    Numbers,
    /// <summary>Rows with labels and values.</summary>
    Table,
}

/// <summary>
/// Turns a request into the sparse features of the offline classifier: Snowball stems (Russian and
/// English) of its words, stem bigrams for phrases, character 4-grams of each word so that typos
/// still share most features, which categories' keywords it contains, its length and the table's shape.
/// </summary>
public static class RequestFeatures
{
    /// <summary>Rows looked at to judge the shape: enough to tell labels from numbers, cheap on a large table.</summary>
    private const int ShapeSampleRows = 50;
    private const double CharGramWeight = 0.25;

    public static Dictionary<string, double> Extract(string query, TableShape shape, IEnumerable<(string Category, IReadOnlyList<string> Keywords)> keywords)
    {
        var text = Normalize(query);
        var words = Words(text);
        var stems = Stems(words);
        // Length in buckets of four words: questions to the assistant run longer than commands.
        var features = new Dictionary<string, double>(StringComparer.Ordinal) { ["shape:" + shape] = 1, ["len:" + Math.Min(words.Count / 4, 3)] = 1 };
        foreach (var stem in stems) features["w:" + stem] = 1;
        for (var i = 1; i < stems.Count; i++) features["b:" + stems[i - 1] + "_" + stems[i]] = 1;
        foreach (var word in words)
        {
            if (word.Length < 4 || char.IsDigit(word[0])) continue;
            var padded = "<" + word + ">";
            for (var i = 0; i + 4 <= padded.Length; i++) features["c:" + padded.Substring(i, 4)] = CharGramWeight;
        }
        foreach (var (category, list) in keywords)
        {
            var hits = KeywordHits(text, list).Count();
            if (hits > 0) features["kw:" + category] = Math.Min(hits, 2);
        }
        return features;
    }

    /// <summary>The category's keywords (admin-editable) found in the request: substrings of its lower-case text, as always.</summary>
    public static IEnumerable<string> KeywordHits(string normalizedQuery, IEnumerable<string> keywords)
    {
        var spaced = " " + normalizedQuery + " ";
        return keywords.Where(k => !string.IsNullOrWhiteSpace(k) && spaced.Contains(Normalize(k), StringComparison.Ordinal));
    }

    /// <summary>The keyword classifier's score: one per keyword found, longer (more specific) keywords a little more.</summary>
    public static double KeywordScore(string query, IEnumerable<string> keywords) =>
        KeywordHits(Normalize(query), keywords).Sum(k => 1 + k.Length / 8.0);

    public static string Normalize(string text) => text.ToLowerInvariant().Replace('ё', 'е');

    public static List<string> Words(string normalized)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (var ch in normalized)
        {
            if (char.IsLetterOrDigit(ch)) current.Append(ch);
            else if (current.Length > 0) { words.Add(current.ToString()); current.Clear(); }
        }
        if (current.Length > 0) words.Add(current.ToString());
        return words;
    }

    /// <summary>Snowball stems; numbers collapse into one token. The stemmers keep state, so each call has its own.</summary>
    public static List<string> Stems(IEnumerable<string> words)
    {
        var russian = new RussianStemmer();
        var english = new EnglishStemmer();
        var stems = new List<string>();
        foreach (var word in words)
        {
            if (char.IsDigit(word[0])) { stems.Add("#"); continue; }
            var stemmer = word.Any(c => c is >= 'а' and <= 'я') ? (Lucene.Net.Tartarus.Snowball.SnowballProgram)russian : english;
            stemmer.SetCurrent(word);
            stemmer.Stem();
            stems.Add(stemmer.Current);
        }
        return stems;
    }

    public static TableShape Shape(JsonElement? data)
    {
        if (data is not { ValueKind: JsonValueKind.Array } rows) return TableShape.None;
        var filledRows = 0;
        var textCells = 0;
        var numberCells = 0;
        var first = true;
        foreach (var row in rows.EnumerateArray().Take(ShapeSampleRows))
        {
            if (row.ValueKind != JsonValueKind.Array) continue;
            var filled = false;
            foreach (var cell in row.EnumerateArray())
            {
                var isNumber = IsNumber(cell);
                var isText = !isNumber && cell.ValueKind is JsonValueKind.String && !string.IsNullOrWhiteSpace(TextOf(cell));
                filled |= isNumber || isText || cell.ValueKind is JsonValueKind.True or JsonValueKind.False;
                // The first row is usually headers: it does not tell labels from values.
                if (first) continue;
                if (isNumber) numberCells++;
                else if (isText) textCells++;
            }
            if (filled) { filledRows++; first = false; }
        }
        return filledRows switch
        {
            0 => TableShape.None,
            1 => TableShape.Header,
            _ when numberCells > 0 && textCells <= numberCells / 20 => TableShape.Numbers,
            _ => TableShape.Table,
        };
    }

    private static bool IsNumber(JsonElement cell) => cell.ValueKind switch
    {
        JsonValueKind.Number => true,
        JsonValueKind.String => double.TryParse(TextOf(cell).Replace(',', '.').Replace(" ", "").Replace("\u00a0", ""),
            NumberStyles.Float, CultureInfo.InvariantCulture, out _),
        _ => false,
    };

    /// <summary>A cell's text, empty when its bytes are no valid text: the shape is a hint, never a reason to fail.</summary>
    private static string TextOf(JsonElement cell)
    {
        try { return cell.GetString() ?? ""; }
        catch (InvalidOperationException) { return ""; }
    }
}
