using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GigaOffice.Answers;

/// <summary>A JSON object found in the model's text, and how it had to be mended to parse.</summary>
public sealed record JsonCandidate(JsonElement Value, bool Repaired, bool Closed);

/// <summary>
/// Finds JSON objects in what a language model wrote: inside fenced blocks, surrounded by chat,
/// several in a row, in "near JSON" (trailing commas, single quotes, unquoted keys, Python
/// literals, raw line breaks inside strings). Pure functions over strings.
/// </summary>
public static partial class LenientJson
{
    /// <summary>
    /// Every object-shaped piece of the text, in the order worth trying: the whole text, fenced
    /// blocks, then each balanced top-level <c>{...}</c>. <paramref name="truncated"/> tells
    /// whether the text ends inside an object that never closes.
    /// </summary>
    public static List<string> Candidates(string content, out string? truncatedTail)
    {
        var result = new List<string>();
        void Add(string text)
        {
            text = text.Trim();
            if (text.StartsWith('{') && !result.Contains(text)) result.Add(text);
        }

        Add(content);
        foreach (Match fence in FencePattern().Matches(content)) Add(fence.Groups[1].Value);
        foreach (var obj in BalancedObjects(content, out truncatedTail)) Add(obj);
        // An unclosed final fence (the output was cut inside it) is left to the truncation check.
        return result;
    }

    /// <summary>
    /// Each balanced top-level <c>[...]</c> of the text (outside strings and objects), in order:
    /// a model that writes the table alone writes a bare array. <paramref name="unclosed"/>: one began but never closed.
    /// </summary>
    public static List<(string Text, int Start, int End)> ArrayCandidates(string content, out bool unclosed)
    {
        var result = new List<(string, int, int)>();
        unclosed = false;
        int depth = 0, start = -1;
        bool inString = false, escaped = false;
        for (var i = 0; i < content.Length; i++)
        {
            var ch = content[i];
            if (inString)
            {
                if (escaped) escaped = false;
                else if (ch == '\\') escaped = true;
                else if (ch == '"') inString = false;
                continue;
            }
            switch (ch)
            {
                case '"' when depth > 0: inString = true; break;
                case '[' or '{':
                    if (depth++ == 0) start = ch == '[' ? i : -1;
                    break;
                case ']' or '}' when depth > 0:
                    if (--depth == 0 && start >= 0 && ch == ']') result.Add((content[start..(i + 1)], start, i + 1));
                    break;
            }
        }
        unclosed = depth > 0 && start >= 0;
        return result;
    }

    /// <summary>An array parsed strictly or after near-JSON repair; null when it is not one.</summary>
    public static JsonElement? TryParseArray(string text) =>
        TryParseObject("{\"t\":" + text + "}") is { } wrapped && wrapped.Value.GetProperty("t") is { ValueKind: JsonValueKind.Array } array
            ? array
            : null;

    /// <summary>Parses strictly, then after near-JSON repair; null when neither gives an object.</summary>
    public static JsonCandidate? TryParseObject(string text)
    {
        if (TryStrict(text) is { } strict) return new JsonCandidate(strict, false, false);
        var repaired = Repair(text);
        if (repaired is not null && TryStrict(repaired) is { } mended) return new JsonCandidate(mended, true, false);
        return null;
    }

    /// <summary>
    /// Closes an object the output was cut in, only when that is safe: the cut came right after a
    /// complete member of the top-level object (so nothing is lost but the final brace). A cut
    /// inside a nested array, a string or a number is not closable: rows or digits may be missing.
    /// </summary>
    public static JsonCandidate? TryClose(string tail)
    {
        var text = tail.TrimEnd();
        if (text.EndsWith(',')) text = text[..^1].TrimEnd();
        var depth = 0;
        bool inString = false, escaped = false;
        char quote = '"';
        var lastStructural = '\0';   // last of { [ , : outside strings
        var stringWasValue = false;
        foreach (var ch in text)
        {
            if (inString)
            {
                if (escaped) escaped = false;
                else if (ch == '\\') escaped = true;
                else if (ch == quote) inString = false;
                continue;
            }
            switch (ch)
            {
                case '"' or '\'':
                    inString = true;
                    quote = ch;
                    stringWasValue = lastStructural == ':';
                    break;
                case '{' or '[': depth++; lastStructural = ch; break;
                case '}' or ']': depth--; break;
                case ',' or ':': lastStructural = ch; break;
            }
        }
        if (inString || depth != 1 || text.Length == 0) return null;
        var last = text[^1];
        var complete = last is '}' or ']'
                       || (last is '"' or '\'' && stringWasValue)
                       || text.EndsWith("null") || text.EndsWith("true") || text.EndsWith("false");
        if (!complete) return null;
        return TryParseObject(text + "}") is { } closed ? closed with { Closed = true } : null;
    }

    /// <summary>A property by name, also when the model wrote it in camelCase or another case ("outputRange", "Output_Range").</summary>
    public static JsonElement? Property(JsonElement obj, string name)
    {
        if (obj.ValueKind != JsonValueKind.Object) return null;
        if (obj.TryGetProperty(name, out var exact)) return exact;
        var wanted = name.Replace("_", "");
        foreach (var property in obj.EnumerateObject())
            if (string.Equals(property.Name.Replace("_", ""), wanted, StringComparison.OrdinalIgnoreCase))
                return property.Value;
        return null;
    }

    private static JsonElement? TryStrict(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 32 });
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Rewrites near-JSON into JSON: drops comments and trailing commas, turns single-quoted
    /// strings (where a value or key starts) into double-quoted ones, quotes bare keys, maps
    /// Python's True/False/None, escapes raw control characters and stray inner double quotes
    /// in strings. Returns null when a bare word cannot be made sense of.
    /// </summary>
    public static string? Repair(string text)
    {
        var output = new StringBuilder(text.Length + 16);
        var i = 0;
        while (i < text.Length)
        {
            var ch = text[i];
            if (ch == '"' || (ch == '\'' && AtValueStart(output)))
            {
                i = CopyString(text, i, output);
                continue;
            }
            if (ch == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                while (i < text.Length && text[i] != '\n') i++;
                continue;
            }
            if (ch == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                var end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? text.Length : end + 2;
                continue;
            }
            if (ch is '}' or ']')
            {
                TrimTrailingComma(output);
                output.Append(ch);
                i++;
                continue;
            }
            // The exponent of a number (1e-5) is not a bare word.
            if (ch is 'e' or 'E' && output.Length > 0 && char.IsDigit(output[^1]))
            {
                output.Append(ch);
                i++;
                continue;
            }
            if (char.IsLetter(ch) || ch == '_')
            {
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_')) i++;
                var word = text[start..i];
                var next = i;
                while (next < text.Length && char.IsWhiteSpace(text[next])) next++;
                if (next < text.Length && text[next] == ':' && LastSignificant(output) is '{' or ',')
                {
                    output.Append('"').Append(word).Append('"');
                    continue;
                }
                var literal = word switch
                {
                    "true" or "True" or "TRUE" => "true",
                    "false" or "False" or "FALSE" => "false",
                    "null" or "None" or "NULL" or "undefined" => "null",
                    _ => null,
                };
                if (literal is null) return null;
                output.Append(literal);
                continue;
            }
            output.Append(ch);
            i++;
        }
        return output.ToString();
    }

    /// <summary>Copies one string literal starting at <paramref name="start"/> as a JSON string; returns the index after it.</summary>
    private static int CopyString(string text, int start, StringBuilder output)
    {
        var quote = text[start];
        output.Append('"');
        var i = start + 1;
        while (i < text.Length)
        {
            var ch = text[i];
            if (ch == '\\' && i + 1 < text.Length)
            {
                var next = text[i + 1];
                if (next == '\'') output.Append('\'');
                else if (next is '"' or '\\' or '/' or 'b' or 'f' or 'n' or 'r' or 't' or 'u') output.Append('\\').Append(next);
                else output.Append("\\\\").Append(next); // "C:\Docs": a lone backslash is kept literally
                i += 2;
                continue;
            }
            if (ch == quote)
            {
                // A double quote followed by something that cannot follow a string is part of the text: «Товар "А"».
                if (quote == '"' && !EndsString(text, i + 1)) { output.Append("\\\""); i++; continue; }
                output.Append('"');
                return i + 1;
            }
            switch (ch)
            {
                case '"': output.Append("\\\""); break;
                case '\n': output.Append("\\n"); break;
                case '\r': output.Append("\\r"); break;
                case '\t': output.Append("\\t"); break;
                default:
                    if (ch < ' ') output.Append($"\\u{(int)ch:x4}"); else output.Append(ch);
                    break;
            }
            i++;
        }
        output.Append('"');
        return i;
    }

    private static bool EndsString(string text, int from)
    {
        while (from < text.Length && char.IsWhiteSpace(text[from])) from++;
        return from >= text.Length || text[from] is ',' or '}' or ']' or ':';
    }

    private static bool AtValueStart(StringBuilder output) => LastSignificant(output) is '{' or '[' or ',' or ':';

    private static char LastSignificant(StringBuilder output)
    {
        for (var i = output.Length - 1; i >= 0; i--)
            if (!char.IsWhiteSpace(output[i])) return output[i];
        return '\0';
    }

    private static void TrimTrailingComma(StringBuilder output)
    {
        var i = output.Length - 1;
        while (i >= 0 && char.IsWhiteSpace(output[i])) i--;
        if (i >= 0 && output[i] == ',') output.Remove(i, 1);
    }

    /// <summary>Each balanced top-level <c>{...}</c>; the text after the last one, if it opens an object that never closes.</summary>
    private static List<string> BalancedObjects(string text, out string? unclosed)
    {
        var objects = new List<string>();
        unclosed = null;
        var start = text.IndexOf('{');
        while (start >= 0)
        {
            int depth = 0, end = -1;
            bool inString = false, escaped = false;
            for (var i = start; i < text.Length && end < 0; i++)
            {
                var ch = text[i];
                if (inString)
                {
                    if (escaped) escaped = false;
                    else if (ch == '\\') escaped = true;
                    else if (ch == '"') inString = false;
                    continue;
                }
                if (ch == '"') inString = true;
                else if (ch == '{') depth++;
                else if (ch == '}' && --depth == 0) end = i;
            }
            if (end < 0)
            {
                unclosed = StripOpenFence(text[start..]);
                break;
            }
            objects.Add(text[start..(end + 1)]);
            start = text.IndexOf('{', end + 1);
        }
        return objects;
    }

    /// <summary>A cut output may still carry a closing fence of a block that was not JSON; drop fence markers.</summary>
    private static string StripOpenFence(string tail)
    {
        var fence = tail.IndexOf("```", StringComparison.Ordinal);
        return fence < 0 ? tail : tail[..fence];
    }

    [GeneratedRegex(@"```[ \t]*(?:json|JSON|json5|javascript)?[ \t]*\r?\n?(.*?)```", RegexOptions.Singleline)]
    private static partial Regex FencePattern();
}
