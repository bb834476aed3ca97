using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;

namespace GigaOffice.Tests.Requests.Fuzzing;

/// <summary>
/// A small JSON tree of our own rather than JsonNode: it must also hold what JsonNode refuses to
/// build (lone surrogate escapes, numbers beyond double, duplicate keys), because those are
/// exactly what a hostile or broken client sends.
/// </summary>
public abstract record J
{
    public abstract void Write(StringBuilder text);

    public string Render()
    {
        var text = new StringBuilder();
        Write(text);
        return text.ToString();
    }

    /// <summary>Nodes in pre-order, the root first: mutations address a node by its index here.</summary>
    public IEnumerable<J> Nodes()
    {
        yield return this;
        var children = this switch
        {
            JArray a => a.Items,
            JObject o => o.Fields.Select(f => f.Value),
            _ => [],
        };
        foreach (var child in children)
            foreach (var node in child.Nodes())
                yield return node;
    }

    /// <summary>The tree with the <paramref name="index"/>-th node (pre-order) replaced.</summary>
    public J Replace(int index, J replacement)
    {
        var counter = index;
        return ReplaceAt(ref counter, replacement);
    }

    private J ReplaceAt(ref int counter, J replacement)
    {
        if (counter-- == 0) return replacement;
        switch (this)
        {
            case JArray a:
                var items = new J[a.Items.Length];
                for (var i = 0; i < items.Length; i++) items[i] = a.Items[i].ReplaceAt(ref counter, replacement);
                return new JArray(items);
            case JObject o:
                var fields = new (string, J)[o.Fields.Length];
                for (var i = 0; i < fields.Length; i++) fields[i] = (o.Fields[i].Key, o.Fields[i].Value.ReplaceAt(ref counter, replacement));
                return new JObject(fields);
            default:
                return this;
        }
    }

    public static J From(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => new JObject(element.EnumerateObject().Select(p => (p.Name, From(p.Value))).ToArray()),
        JsonValueKind.Array => new JArray(element.EnumerateArray().Select(From).ToArray()),
        JsonValueKind.String => JString.Of(element.GetString()!),
        JsonValueKind.Number => new JRaw(element.GetRawText()),
        JsonValueKind.True => new JRaw("true"),
        JsonValueKind.False => new JRaw("false"),
        _ => new JRaw("null"),
    };

    public static J Parse(string json) => From(JsonDocument.Parse(json).RootElement);
}

/// <summary>A literal written as is: null, true, false or a number (possibly out of any range).</summary>
public sealed record JRaw(string Text) : J
{
    public override void Write(StringBuilder text) => text.Append(Text);
    public override string ToString() => Text.Length > 60 ? Text[..60] + "…" : Text;
}

/// <summary>A string whose content is already JSON-escaped, so it may carry escapes no .NET string can.</summary>
public sealed record JString(string Escaped) : J
{
    public static JString Of(string value) => new(JsonEncodedText.Encode(value, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value);
    public override void Write(StringBuilder text) => text.Append('"').Append(Escaped).Append('"');
    public override string ToString() => Escaped.Length > 60 ? $"\"{Escaped[..60]}…\"({Escaped.Length})" : $"\"{Escaped}\"";
}

public sealed record JArray(J[] Items) : J
{
    public override void Write(StringBuilder text)
    {
        text.Append('[');
        for (var i = 0; i < Items.Length; i++)
        {
            if (i > 0) text.Append(',');
            Items[i].Write(text);
        }
        text.Append(']');
    }

    public override string ToString() => Items.Length > 6 ? $"[{string.Join(",", Items.Take(6))},…({Items.Length})]" : $"[{string.Join(",", (IEnumerable<J>)Items)}]";
}

public sealed record JObject((string Key, J Value)[] Fields) : J
{
    public override void Write(StringBuilder text)
    {
        text.Append('{');
        for (var i = 0; i < Fields.Length; i++)
        {
            if (i > 0) text.Append(',');
            JString.Of(Fields[i].Key).Write(text);
            text.Append(':');
            Fields[i].Value.Write(text);
        }
        text.Append('}');
    }

    public JObject With(string key, J value) =>
        Fields.Any(f => f.Key == key)
            ? new(Fields.Select(f => f.Key == key ? (key, value) : f).ToArray())
            : new([.. Fields, (key, value)]);

    public JObject Without(string key) => new(Fields.Where(f => f.Key != key).ToArray());

    public override string ToString() => "{" + string.Join(",", Fields.Select(f => $"{f.Key}:{f.Value}")) + "}";
}

/// <summary>Generators of hostile JSON values, strings and numbers.</summary>
public static class FuzzGen
{
    public static readonly string[] ExtremeNumbers =
    [
        "0", "-0", "1", "-1", "0.5", "1e308", "-1e308", "1.7976931348623157e308", "1e309", "-1e400", "1e-400", "5e-324",
        "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
        "18446744073709551616", "79228162514264337593543950336", "123456789012345678901234567890.123456789",
        "1E+2", "1e1000000", "0.000000000000000000000000000000001", "3.141592653589793238462643383279",
    ];

    /// <summary>Escaped string contents, written raw: lone surrogates, control characters, injections.</summary>
    public static readonly string[] NastyEscapedStrings =
    [
        "", " ", "\\u0000", "\\ud800", "\\udc00\\ud800", "a\\ud83d", "\\ud83d\\ude00", "\\u202e\\u0645", "\\ufeff", "\\ufffe",
        "\\t\\r\\n", "\\u001b[31m", "\\\\", "\\/", "\\\"", "%00", "%s%n%x", "{0}", "{{system}}",
        "'; DROP TABLE ai_requests; --", "../../etc/passwd", "<script>alert(1)</script>", "\\u0410\\u0301", "𝕏𝔜ℤ",
        "Проанализировать", "analysis", "spreadsheet-analysis", "uncertain", "data-chart", "ANALYSIS", " analysis ",
        "A1", "A1:D10", "$A$1:$D$10", "a1:b2", "XFD1048576", "XFE1", "A0", "A1048577", "A1:", ":A1", "A1:B2:C3",
        "Sheet1!A1:B2", "R1C1", "1:1", "A:A", "AAAAAAAAAAAAAAAAAAAAAAAA1",
        "00000000-0000-0000-0000-000000000000", "true", "null", "1e400", "NaN", "Infinity", "-Infinity",
    ];

    public static readonly string[] FieldNames =
        ["query_text", "input_range", "category", "input_data", "queryText", "QUERY_TEXT", "Query_Text", "", "__proto__", "$type", "request_id", "status"];

    public static readonly Gen<J> Number = Gen.Frequency(
        (3, Gen.OneOf(ExtremeNumbers).Select(n => (J)new JRaw(n))),
        (1, Gen.Double.Select(d => (J)new JRaw(double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "0"))),
        (1, Gen.Long.Select(l => (J)new JRaw(l.ToString(CultureInfo.InvariantCulture)))));

    /// <summary>Strings of sizes around every limit (4000 query, 1000 cell) and far beyond them.</summary>
    public static readonly Gen<J> SizedString =
        from length in Gen.OneOf(0, 1, 999, 1000, 1001, 3999, 4000, 4001, 20_000, 300_000)
        from fill in Gen.OneOf("x", "я", "😀", "\\u0000", " ")
        select (J)new JString(Repeat(fill, length));

    public static readonly Gen<J> String = Gen.Frequency(
        (4, Gen.OneOf(NastyEscapedStrings).Select(s => (J)new JString(s))),
        (3, Gen.String.Select(s => (J)JString.Of(s))),
        (2, Gen.Char.Array[0, 40].Select(c => (J)JString.Of(new string(c)))),
        (1, SizedString));

    public static readonly Gen<J> Leaf = Gen.Frequency(
        (1, Gen.OneOf<J>(new JRaw("null"), new JRaw("true"), new JRaw("false"))),
        (3, Number),
        (4, String));

    /// <summary>Any JSON value, nested a few levels.</summary>
    public static readonly Gen<J> Value = Gen.Recursive<J>((depth, self) => depth >= 3
        ? Leaf
        : Gen.Frequency(
            (6, Leaf),
            (2, self.Array[0, 6].Select(items => (J)new JArray(items))),
            (2, Gen.Select(Gen.OneOf(Gen.OneOf(FieldNames), Gen.String[0, 8]), self).Array[0, 5].Select(fields => (J)new JObject(fields)))));

    /// <summary>Tables: rectangular or ragged, of every cell type, around the row/column/cell limits.</summary>
    public static readonly Gen<J> Table = Gen.Frequency(
        (4, Gen.Select(Gen.Int[0, 6], Gen.Int[0, 6], Leaf).Select((rows, columns, cell) =>
            (J)new JArray(Enumerable.Range(0, rows).Select(_ => (J)new JArray(Enumerable.Repeat(cell, columns).ToArray())).ToArray()))),
        (2, Leaf.Array[0, 5].Array[0, 5].Select(rows => (J)new JArray(rows.Select(r => (J)new JArray(r)).ToArray()))),
        (1, Gen.Select(Gen.OneOf(99, 100, 101, 1000, 1001, 5000), Gen.OneOf(1, 2, 20, 100, 101)).Select((rows, columns) =>
            (J)new JArray(Enumerable.Range(0, rows).Select(r => (J)new JArray(Enumerable.Range(0, columns)
                .Select(c => (J)new JRaw(((r * 31 + c) % 997).ToString(CultureInfo.InvariantCulture))).ToArray())).ToArray()))));

    /// <summary>Nesting deeper than any JSON reader allows by default (64).</summary>
    public static readonly Gen<string> DeepNesting =
        from depth in Gen.OneOf(63, 64, 65, 1000, 100_000)
        from open in Gen.OneOf("[", "{\"a\":")
        select open == "["
            ? new string('[', depth) + new string(']', depth)
            : Repeat(open, depth) + "1" + new string('}', depth);

    public static string Repeat(string fill, int count)
    {
        var text = new StringBuilder(fill.Length * count);
        for (var i = 0; i < count; i++) text.Append(fill);
        return text.ToString();
    }
}
