using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GigaOffice.Answers;

/// <summary>A table found in the model's text and where it stood, so the prose around it can become the answer's text.</summary>
public sealed record TextTable(JsonElement Rows, int Start, int End, string Shape);

/// <summary>
/// Tables a model writes as text rather than JSON: markdown tables (pipes, an alignment row,
/// **bold** headers) and CSV/TSV inside a fenced block. Cells come out as strings (empty: null);
/// the table reader then turns numbers written as text into numbers.
/// </summary>
public static partial class TextTables
{
    public static List<TextTable> Find(string content)
    {
        var result = new List<TextTable>();
        foreach (Match block in MarkdownBlock().Matches(content))
            if (Markdown(block.Value) is { Count: > 0 } rows) result.Add(new(ToJson(rows), block.Index, block.Index + block.Length, "markdown"));
        foreach (Match fence in Fence().Matches(content))
        {
            var body = fence.Groups[2].Value;
            if (body.TrimStart().StartsWith('{') || body.TrimStart().StartsWith('[') || body.Contains('|')) continue;
            if (Delimited(body) is { Count: > 1 } rows) result.Add(new(ToJson(rows), fence.Index, fence.Index + fence.Length, "csv"));
        }
        return result;
    }

    /// <summary>Rows of a markdown table; the alignment row ("|:---|--:|") is dropped.</summary>
    private static List<List<string?>>? Markdown(string block)
    {
        var rows = new List<List<string?>>();
        foreach (var rawLine in block.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0) continue;
            if (AlignmentRow().IsMatch(line)) continue;
            if (line.StartsWith('|')) line = line[1..];
            if (line.EndsWith('|') && !line.EndsWith("\\|")) line = line[..^1];
            rows.Add(PipeCell().Split(line).Select(Clean).ToList());
        }
        return rows.Count >= 2 && rows[0].Count >= 1 ? rows : null;
    }

    /// <summary>CSV (',' or ';') or TSV: every line must split into the same number (≥ 2) of cells.</summary>
    private static List<List<string?>>? Delimited(string body)
    {
        var lines = body.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).ToList();
        if (lines.Count < 2) return null;
        foreach (var separator in new[] { '\t', ';', ',' })
        {
            var rows = lines.Select(l => SplitQuoted(l, separator)).ToList();
            if (rows[0].Count >= 2 && rows.All(r => r.Count == rows[0].Count)) return rows.Select(r => r.Select(Clean).ToList()).ToList();
        }
        return null;
    }

    private static List<string> SplitQuoted(string line, char separator)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (ch == '"' && quoted && i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
            else if (ch == '"' && (quoted || cell.ToString().Trim().Length == 0)) quoted = !quoted;
            else if (ch == separator && !quoted) { cells.Add(cell.ToString()); cell.Clear(); }
            else cell.Append(ch);
        }
        cells.Add(cell.ToString());
        return cells;
    }

    /// <summary>A cell's text without markdown emphasis or code marks; empty is null.</summary>
    private static string? Clean(string cell)
    {
        var text = Emphasis().Replace(cell.Replace("\\|", "|").Trim(), "$2").Trim().Trim('`').Trim();
        return text.Length == 0 ? null : text;
    }

    private static JsonElement ToJson(List<List<string?>> rows) => JsonSerializer.SerializeToElement(rows);

    // Two or more consecutive lines that hold a pipe between cells.
    [GeneratedRegex(@"(?:^[ \t]*\|?[^\n|]*\|[^\n]*(?:\n|$)){2,}", RegexOptions.Multiline)]
    private static partial Regex MarkdownBlock();

    [GeneratedRegex(@"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")]
    private static partial Regex AlignmentRow();

    [GeneratedRegex(@"(?<!\\)\|")]
    private static partial Regex PipeCell();

    [GeneratedRegex(@"^(\*\*|__|\*)(.+)\1$")]
    private static partial Regex Emphasis();

    [GeneratedRegex(@"```[ \t]*(csv|tsv|text|txt|plaintext)?[ \t]*\r?\n(.*?)```", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Fence();
}
