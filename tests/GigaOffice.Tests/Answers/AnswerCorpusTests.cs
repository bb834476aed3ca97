using GigaOffice.Answers;
using System.Text.Json;
using System.Text.Json.Nodes;
using GigaOffice.GigaChat;
using GigaOffice.Requests;

namespace GigaOffice.Tests.Answers;

/// <summary>
/// Realistic model outputs (AnswerCorpus/*.txt), each with the parse it must give or the failure it
/// must end in. A case file: header lines (category, input_range, input_data, expect, repair),
/// then "=== expected" with a JSON object the answer must contain, then "=== answer" with the raw text.
/// </summary>
public sealed class AnswerCorpusTests
{
    private static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "Answers", "AnswerCorpus");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var file in System.IO.Directory.GetFiles(Directory, "*.txt").Order()) data.Add(Path.GetFileName(file));
        return data;
    }

    [Fact]
    public void Corpus_has_at_least_two_hundred_cases_over_every_category()
    {
        var cases = System.IO.Directory.GetFiles(Directory, "*.txt").Select(f => CorpusCase.Load(f)).ToList();
        Assert.True(cases.Count >= 200, $"only {cases.Count} cases");
        Assert.True(cases.Count(c => c.Expect == "ok") >= 120);
        Assert.True(cases.Count(c => c.Expect != "ok") >= 40);
        string[] categories = ["spreadsheet-generation", "spreadsheet-analysis", "spreadsheet-transformation", "spreadsheet-search",
            "spreadsheet-formatting", "data-chart", "data-histogram", "spreadsheet-assistance", "uncertain"];
        Assert.All(categories, category => Assert.True(cases.Count(c => c.Category == category) >= 5, $"{category}: fewer than 5 cases"));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parses_as_expected(string file)
    {
        var test = CorpusCase.Load(Path.Combine(Directory, file));
        var kind = test.Category switch
        {
            "data-chart" or "data-histogram" => "chart",
            "spreadsheet-assistance" or "uncertain" => "text",
            _ => "table",
        };
        var parsed = new AnswerParser().Parse(test.Answer, new AnswerContext(test.Category, kind, test.InputRange, test.InputData));

        if (test.Expect != "ok")
        {
            Assert.False(parsed.Success, $"expected failure {test.Expect}, got {Serialize(parsed.Answer)}");
            Assert.Equal(test.Expect, "unparseable_answer/" + parsed.FailureKind);
            Assert.False(string.IsNullOrWhiteSpace(parsed.FailureReason));
            return;
        }

        Assert.True(parsed.Success, $"expected a parse, got {parsed.FailureKind}: {parsed.FailureReason}");
        var answer = parsed.Answer!;
        var actual = JsonNode.Parse(Serialize(answer))!.AsObject();
        if (test.Expected is { } expected) AssertContains(expected, actual, "$");
        foreach (var repair in test.Repairs)
            Assert.True(parsed.Repairs.Any(r => r.Contains(repair, StringComparison.Ordinal)),
                $"no repair mentions «{repair}»; repairs: {string.Join(" | ", parsed.Repairs)}");
        AssertAppliable(answer);
    }

    /// <summary>What every accepted answer must satisfy, whatever the case expects in detail.</summary>
    private static void AssertAppliable(SpreadsheetAnswer answer)
    {
        Assert.True(!string.IsNullOrWhiteSpace(answer.Text) || answer.Table is not null || answer.Chart is not null || answer.StyleRanges is not null);
        if (answer.Table is { } table)
        {
            Assert.True(CellRange.TryParse(answer.OutputRange, out var range), $"output_range {answer.OutputRange}");
            Assert.Equal(table.Count, range.Rows);
            Assert.All(table, row => Assert.Equal(range.Columns, row.Count));
            Assert.All(table.SelectMany(r => r), cell => Assert.DoesNotContain(cell.ValueKind, new[] { JsonValueKind.Object, JsonValueKind.Array }));
        }
        else
        {
            Assert.Null(answer.OutputRange);
        }
        if (answer.Chart is { } chart)
        {
            Assert.Contains(chart.Type, AnswerParserChartTypes);
            Assert.True(CellRange.TryParse(chart.DataRange, out _));
            Assert.True(CellRange.TryParse(chart.Position, out _));
            Assert.NotNull(chart.Series);
            Assert.NotEmpty(chart.Series!);
        }
        foreach (var styleRange in answer.StyleRanges ?? [])
        {
            Assert.True(CellRange.TryParse(styleRange.Range, out _));
            Assert.Contains(answer.Styles!, s => s.Id == styleRange.Style);
        }
        foreach (var style in answer.Styles ?? [])
            foreach (var color in new[] { style.BackgroundColor, style.FontColor }.OfType<string>())
                Assert.Matches("^#[0-9A-F]{6}$", color);
    }

    private static readonly string[] AnswerParserChartTypes =
    [
        "bar", "barStacked", "barStackedPercent", "bar3D", "barStacked3D", "barStackedPercent3D", "barStackedPercent3DPerspective",
        "horizontalBar", "horizontalBarStacked", "horizontalBarStackedPercent", "horizontalBar3D", "horizontalBarStacked3D", "horizontalBarStackedPercent3D",
        "lineNormal", "lineStacked", "lineStackedPercent", "line3D", "pie", "pie3D", "doughnut", "scatter", "stock",
        "area", "areaStacked", "areaStackedPercent",
    ];

    private static string Serialize(SpreadsheetAnswer? answer) => JsonSerializer.Serialize(answer, GigaOfficeJson.Options);

    /// <summary>Every property of <paramref name="expected"/> is in <paramref name="actual"/> with the same value; arrays match element by element.</summary>
    private static void AssertContains(JsonNode? expected, JsonNode? actual, string path)
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{path}: expected null, got {actual?.ToJsonString()}");
                break;
            case JsonObject obj:
                Assert.True(actual is JsonObject, $"{path}: expected an object, got {actual?.ToJsonString() ?? "null"}");
                foreach (var (name, value) in obj)
                {
                    var actualObject = (JsonObject)actual!;
                    Assert.True(value is null || actualObject.ContainsKey(name), $"{path}.{name} missing in {actual!.ToJsonString()}");
                    AssertContains(value, actualObject[name], $"{path}.{name}");
                }
                break;
            case JsonArray array:
                Assert.True(actual is JsonArray a && a.Count == array.Count, $"{path}: expected {array.ToJsonString()}, got {actual?.ToJsonString()}");
                for (var i = 0; i < array.Count; i++) AssertContains(array[i], ((JsonArray)actual!)[i], $"{path}[{i}]");
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.Number:
                Assert.True(actual is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.GetValue<double>() == value.GetValue<double>(),
                    $"{path}: expected {value.ToJsonString()}, got {actual?.ToJsonString()}");
                break;
            default:
                Assert.True(JsonNode.DeepEquals(expected, actual), $"{path}: expected {expected.ToJsonString()}, got {actual?.ToJsonString()}");
                break;
        }
    }

    private sealed record CorpusCase(string Category, string? InputRange, JsonElement? InputData, string Expect, List<string> Repairs, JsonObject? Expected, string Answer)
    {
        public static CorpusCase Load(string path)
        {
            var text = File.ReadAllText(path);
            var answerAt = text.IndexOf("=== answer\n", StringComparison.Ordinal);
            Assert.True(answerAt >= 0, $"{path}: no '=== answer' line");
            var head = text[..answerAt];
            var answer = text[(answerAt + "=== answer\n".Length)..];
            JsonObject? expected = null;
            var expectedAt = head.IndexOf("=== expected\n", StringComparison.Ordinal);
            if (expectedAt >= 0)
            {
                expected = JsonNode.Parse(head[(expectedAt + "=== expected\n".Length)..])!.AsObject();
                head = head[..expectedAt];
            }
            var fields = head.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#'))
                .Select(l => (Key: l[..l.IndexOf(':')], Value: l[(l.IndexOf(':') + 1)..].Trim())).ToList();
            string? Field(string key) => fields.FirstOrDefault(f => f.Key == key).Value;
            return new CorpusCase(
                Field("category") ?? throw new InvalidDataException($"{path}: no category"),
                Field("input_range"),
                Field("input_data") is { } data ? JsonSerializer.Deserialize<JsonElement>(data) : null,
                Field("expect") ?? throw new InvalidDataException($"{path}: no expect"),
                fields.Where(f => f.Key == "repair").Select(f => f.Value).ToList(),
                expected,
                answer);
        }
    }
}
