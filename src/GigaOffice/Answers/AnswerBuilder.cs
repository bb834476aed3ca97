using System.Text.Json;
using GigaOffice.GigaChat;
using GigaOffice.Requests;
using static GigaOffice.Answers.AnswerReading;

namespace GigaOffice.Answers;

/// <summary>
/// Builds one answer from one JSON object with the readers of its parts (table, styles, columns,
/// chart), and checks that it gives what the category promises. A part that cannot be used is an
/// <see cref="AnswerError"/>: it fails the answer, except an extra chart the category does not need.
/// </summary>
internal sealed class AnswerBuilder(AnswerContext context)
{
    /// <summary>Fields a model puts the table under besides "table"; result_data is what the seed-era service asked for.</summary>
    private static readonly string[] TableFields = ["result_data", "data", "rows", "values", "result", "table_data", "items"];
    private static readonly string[] Wrappers = ["answer", "result", "response", "result_data", "output", "ответ"];

    private readonly AnswerReading _reading = new(context);

    public ParsedAnswer Build(JsonElement root, IEnumerable<string> repairs)
    {
        foreach (var repair in repairs) _reading.Repaired(repair);
        var answer = Answer(Unwrap(root));
        return answer.Error is { } error ? ParsedAnswer.Failed(error) : new ParsedAnswer(answer.Value, null);
    }

    /// <summary>{"answer": {...}} and {"result": {...}}: the answer is the inner object.</summary>
    private static JsonElement Unwrap(JsonElement root)
    {
        foreach (var wrapper in Wrappers)
            if (Get(root, wrapper) is { ValueKind: JsonValueKind.Object } inner && Get(root, "text") is null && Get(root, "table") is null)
                return inner;
        return root;
    }

    private Read<SpreadsheetAnswer> Answer(JsonElement root)
    {
        var tables = new TableReader(_reading);
        var structured = Get(root, "data") is { ValueKind: JsonValueKind.Object } || Get(root, "worksheet") is { ValueKind: JsonValueKind.Object };
        string? worksheet = null, rangeText;
        ReadTable? table;
        var tableExplicitlyNull = false;

        if (structured)
        {
            var read = tables.Structured(root);
            if (read.Error is { } error) return error;
            (table, worksheet, rangeText) = read.Value;
        }
        else
        {
            var tableElement = TableElement(root);
            tableExplicitlyNull = tableElement is { ValueKind: JsonValueKind.Null };
            var read = tables.Table(tableElement);
            if (read.Error is { } error) return error;
            table = read.Value;
            var range = String(Get(root, "output_range") ?? Get(root, "range") ?? Get(root, "target_range"), "output_range");
            if (range.Error is { } rangeError) return rangeError;
            rangeText = range.Value;
        }

        var text = Text(Get(root, "text") ?? Get(root, "message") ?? Get(root, "explanation") ?? Get(root, "summary"));
        if (text.Error is { } textError) return textError;
        var output = _reading.Range(rangeText, "output_range", ref worksheet);
        if (output.Error is { } outputError) return outputError;
        CellRange? outputRange = null;
        if (table is not null)
        {
            var placed = tables.Place(table.Rows, output.Value);
            if (placed.Error is { } placeError) return placeError;
            outputRange = placed.Value;
        }

        var styleReader = new StyleReader(_reading);
        var styles = styleReader.Styles(Get(root, "styles"));
        if (styles.Error is { } stylesError) return stylesError;
        var styleRanges = styleReader.Ranges(Get(root, "style_ranges"), styles.Value!, outputRange, ref worksheet);
        if (styleRanges.Error is { } rangesError) return rangesError;
        if (table?.RowStyles is { } rowStyles && outputRange is { } at
            && StyleReader.RowStyles(rowStyles, at, styles.Value!, styleRanges.Value!) is { } rowStyleError)
            return rowStyleError;
        // Formatting answers leave the data in place: their column indexes count from the input range.
        var columns = new ColumnReader(_reading).Columns(Get(root, "columns"), outputRange ?? (styleRanges.Value!.Count > 0 ? _reading.Input : null), table?.NumberFormats);

        var chartElement = Get(root, "chart");
        var chart = new ChartReader(_reading).Chart(chartElement, outputRange, table?.Rows);
        if (chart.Error is { } chartError)
        {
            // A category that promises no chart loses nothing by dropping a broken one.
            if (context.ResultKind == "chart") return chartError;
            _reading.Repaired($"лишняя диаграмма отброшена: {chartError.Reason}");
        }

        var answer = new SpreadsheetAnswer
        {
            Text = text.Value ?? "",
            OutputRange = outputRange?.ToString(),
            Table = table?.Rows,
            Chart = chart.Value,
            Styles = styles.Value!.Count > 0 ? styles.Value : null,
            StyleRanges = styleRanges.Value!.Count > 0 ? styleRanges.Value : null,
            Columns = columns.Count > 0 ? columns : null,
            Worksheet = worksheet,
            Repairs = _reading.Repairs.Count > 0 ? _reading.Repairs : null,
        };
        return Usable(answer, tableExplicitlyNull, chartElement is { ValueKind: JsonValueKind.Null }) is { } unusable ? unusable : answer;
    }

    private JsonElement? TableElement(JsonElement root)
    {
        if (Get(root, "table") is { } table) return table;
        foreach (var field in TableFields)
            if (Get(root, field) is { ValueKind: JsonValueKind.Array or JsonValueKind.String } candidate
                && (candidate.ValueKind == JsonValueKind.Array || candidate.GetString()!.TrimStart().StartsWith('[')))
            {
                _reading.Repaired($"таблица взята из поля {field}");
                return candidate;
            }
        return null;
    }

    /// <summary>Whether the answer gives the user what the category promises.</summary>
    private AnswerError? Usable(SpreadsheetAnswer answer, bool tableExplicitlyNull, bool chartExplicitlyNull)
    {
        var hasText = !string.IsNullOrWhiteSpace(answer.Text);
        var hasTable = answer.Table is { Count: > 0 } || answer.StyleRanges is { Count: > 0 };
        if (!hasText && !hasTable && answer.Chart is null)
            return Fail(ParseFailure.MissingResult, "в ответе нет ни текста, ни таблицы, ни диаграммы");
        var missing = context.ResultKind switch
        {
            // A table category may answer "cannot be done" only the way its prompt says: table null with an explanation.
            "table" when !hasTable && !(tableExplicitlyNull && hasText) => "в ответе нет таблицы",
            "chart" when answer.Chart is null && !(chartExplicitlyNull && hasText) => "в ответе нет описания диаграммы",
            "text" when !hasText => "в ответе нет текста",
            // A histogram is a frequency table and its chart: one without the other is not the answer.
            _ when context.Category == "data-histogram" && answer.Chart is not null && answer.Table is null => "у гистограммы нет таблицы частот",
            _ => null,
        };
        return missing is null ? null : Fail(ParseFailure.MissingResult, missing);
    }

    private Read<string?> Text(JsonElement? element) => element switch
    {
        null or { ValueKind: JsonValueKind.Null } => "",
        { ValueKind: JsonValueKind.String } s => s.GetString()!.Trim(),
        { ValueKind: JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False } v => v.GetRawText(),
        { ValueKind: JsonValueKind.Array } lines when lines.EnumerateArray().All(l => l.ValueKind == JsonValueKind.String) => JoinLines(lines),
        _ => Fail(ParseFailure.WrongType, "поле text должно быть строкой"),
    };

    private string JoinLines(JsonElement lines)
    {
        _reading.Repaired("текст из нескольких строк объединён");
        return string.Join("\n", lines.EnumerateArray().Select(l => l.GetString()!.Trim()));
    }
}
