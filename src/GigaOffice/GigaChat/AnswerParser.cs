using System.Globalization;
using System.Text.Json;
using GigaOffice.Requests;

namespace GigaOffice.GigaChat;

/// <summary>What the parser knows about the request the answer is for.</summary>
public sealed record AnswerContext(string Category, string ResultKind, string? InputRange = null, JsonElement? InputData = null);

/// <summary>Why an answer could not be used (machine code), besides the Russian message.</summary>
public static class ParseFailure
{
    public const string Empty = "empty";
    public const string NoJson = "no_json";
    public const string InvalidJson = "invalid_json";
    public const string Truncated = "truncated";
    public const string WrongType = "wrong_type";
    public const string MissingResult = "missing_result";
    public const string InvalidRange = "invalid_range";
    public const string BadTable = "bad_table";
    public const string InvalidChart = "invalid_chart";
    public const string InvalidStyle = "invalid_style";
    public const string TooLarge = "too_large";
}

public sealed record ParsedAnswer(SpreadsheetAnswer? Answer, string? FailureReason, string? FailureKind = null)
{
    public bool Success => Answer is not null;
    public IReadOnlyList<string> Repairs => Answer?.Repairs ?? [];
}

/// <summary>
/// Turns the model's text into a <see cref="SpreadsheetAnswer"/> a plugin can apply. Every JSON
/// object in the text is tried in turn (the first usable one wins), near-JSON is mended, and
/// values are repaired where that is safe: numbers sent as text, Russian formula names, colours
/// without '#', font weights as numbers, a target range whose size disagrees with the table
/// (recomputed from its top-left cell). What cannot be used is a failure with a reason, never an
/// empty success. The request then fails with <c>unparseable_answer</c> and the raw text is kept.
/// </summary>
public sealed class AnswerParser
{
    public const int MaxRows = 1000;
    public const int MaxColumns = 50;

    public ParsedAnswer Parse(string content, string resultKind) => Parse(content, new AnswerContext("", resultKind));

    public ParsedAnswer Parse(string? content, AnswerContext context)
    {
        if (string.IsNullOrWhiteSpace(content)) return Fail(ParseFailure.Empty, "модель вернула пустой ответ");

        var candidates = LenientJson.Candidates(content, out var truncatedTail);
        ParsedAnswer? semanticFailure = null;
        var invalidJson = false;
        foreach (var candidate in candidates)
        {
            var parsed = LenientJson.TryParseObject(candidate);
            if (parsed is null) { invalidJson = true; continue; }
            var result = new Builder(context).Build(parsed.Value, parsed.Repaired ? ["исправлен синтаксис JSON (лишние запятые, кавычки или ключи без кавычек)"] : []);
            if (result.Success) return result;
            semanticFailure ??= result;
        }
        if (truncatedTail is not null && semanticFailure is null)
        {
            if (LenientJson.TryClose(truncatedTail) is { } closed)
            {
                var result = new Builder(context).Build(closed.Value, ["ответ модели оборван после последнего поля: недостающая закрывающая скобка добавлена"]);
                if (result.Success) return result;
                semanticFailure = result;
            }
            else
            {
                return Fail(ParseFailure.Truncated, "ответ модели оборван на середине JSON");
            }
        }
        if (semanticFailure is not null) return semanticFailure;

        var plain = StripFences(content);
        // Categories that answer in text may answer with text alone.
        if (context.ResultKind == "text" && !invalidJson && !plain.StartsWith('{') && plain.Length > 0)
            return new ParsedAnswer(new SpreadsheetAnswer { Text = plain }, null);
        return invalidJson
            ? Fail(ParseFailure.InvalidJson, "ответ не является корректным JSON, и исправить его не удалось")
            : Fail(ParseFailure.NoJson, "в ответе модели нет JSON-объекта с результатом");
    }

    private static string StripFences(string content)
    {
        var text = content.Trim();
        if (text.StartsWith("```", StringComparison.Ordinal))
        {
            var firstLine = text.IndexOf('\n');
            text = firstLine < 0 ? "" : text[(firstLine + 1)..];
            if (text.TrimEnd().EndsWith("```", StringComparison.Ordinal)) text = text.TrimEnd()[..^3];
        }
        return text.Trim();
    }

    internal static ParsedAnswer Fail(string kind, string reason) => new(null, reason, kind);

    private sealed class AnswerFailure(string kind, string reason) : Exception(reason)
    {
        public string Kind { get; } = kind;
        public string Reason { get; } = reason;
    }

    /// <summary>Builds one answer from one JSON object; collects the repairs it made.</summary>
    private sealed class Builder(AnswerContext context)
    {
        private readonly List<string> _repairs = [];
        private readonly CellRange? _input = CellRange.TryParse(context.InputRange, out var r) ? r : null;

        public ParsedAnswer Build(JsonElement root, IEnumerable<string> repairs)
        {
            _repairs.AddRange(repairs);
            try
            {
                return new ParsedAnswer(BuildAnswer(Unwrap(root)), null);
            }
            catch (AnswerFailure failure)
            {
                return Fail(failure.Kind, failure.Reason);
            }
        }

        private static Exception Failure(string kind, string reason) => new AnswerFailure(kind, reason);

        private void Repaired(string note)
        {
            if (!_repairs.Contains(note)) _repairs.Add(note);
        }

        /// <summary>{"answer": {...}} and {"result": {...}}: the answer is the inner object.</summary>
        private static JsonElement Unwrap(JsonElement root)
        {
            foreach (var wrapper in new[] { "answer", "result", "response", "ответ" })
                if (Get(root, wrapper) is { ValueKind: JsonValueKind.Object } inner && Get(root, "text") is null && Get(root, "table") is null)
                    return inner;
            return root;
        }

        private SpreadsheetAnswer BuildAnswer(JsonElement root)
        {
            var structured = Get(root, "data") is { ValueKind: JsonValueKind.Object } || Get(root, "worksheet") is { ValueKind: JsonValueKind.Object };
            string? worksheet = null;
            string? rangeText;
            List<List<JsonElement>>? rows;
            List<string?>? rowStyles = null;
            var tableExplicitlyNull = false;

            if (structured)
            {
                (rows, rowStyles, worksheet, rangeText) = ReadStructured(root);
            }
            else
            {
                var tableElement = Get(root, "table");
                if (tableElement is null && Get(root, "data") is { ValueKind: JsonValueKind.Array } data)
                {
                    tableElement = data;
                    Repaired("таблица взята из поля data");
                }
                tableExplicitlyNull = tableElement is { ValueKind: JsonValueKind.Null };
                rows = ReadTable(tableElement);
                rangeText = ReadString(Get(root, "output_range") ?? Get(root, "range") ?? Get(root, "target_range"), "output_range");
            }

            var text = ReadText(Get(root, "text") ?? Get(root, "message") ?? Get(root, "explanation"));
            var outputRange = ReadRange(rangeText, "output_range", ref worksheet);
            if (rows is not null) outputRange = PlaceTable(rows, outputRange);
            else outputRange = null;

            var styles = ReadStyles(Get(root, "styles"));
            var styleRanges = ReadStyleRanges(Get(root, "style_ranges"), styles, outputRange, ref worksheet);
            if (rowStyles is not null && outputRange is { } placed) AddRowStyles(rowStyles, placed, styles, styleRanges);
            // Formatting answers leave the data in place: their column indexes count from the input range.
            var columns = ReadColumns(Get(root, "columns"), outputRange ?? (styleRanges.Count > 0 ? _input : null));

            var chartElement = Get(root, "chart");
            var chartExplicitlyNull = chartElement is { ValueKind: JsonValueKind.Null };
            ChartSpec? chart;
            try
            {
                chart = ReadChart(chartElement, outputRange, rows);
            }
            catch (AnswerFailure failure) when (context.ResultKind != "chart")
            {
                // A category that promises no chart loses nothing by dropping a broken one.
                chart = null;
                Repaired($"лишняя диаграмма отброшена: {failure.Reason}");
            }

            var answer = new SpreadsheetAnswer
            {
                Text = text,
                OutputRange = outputRange?.ToString(),
                Table = rows,
                Chart = chart,
                Styles = styles.Count > 0 ? styles : null,
                StyleRanges = styleRanges.Count > 0 ? styleRanges : null,
                Columns = columns.Count > 0 ? columns : null,
                Worksheet = worksheet,
                Repairs = _repairs.Count > 0 ? _repairs : null,
            };
            CheckUsable(answer, tableExplicitlyNull, chartExplicitlyNull);
            return answer;
        }

        /// <summary>Whether the answer gives the user what the category promises.</summary>
        private void CheckUsable(SpreadsheetAnswer answer, bool tableExplicitlyNull, bool chartExplicitlyNull)
        {
            var hasText = !string.IsNullOrWhiteSpace(answer.Text);
            var hasTable = answer.Table is { Count: > 0 } || answer.StyleRanges is { Count: > 0 };
            if (!hasText && !hasTable && answer.Chart is null)
                throw Failure(ParseFailure.MissingResult, "в ответе нет ни текста, ни таблицы, ни диаграммы");
            switch (context.ResultKind)
            {
                // A table category may answer "cannot be done" only the way its prompt says: table null with an explanation.
                case "table" when !hasTable && !(tableExplicitlyNull && hasText):
                    throw Failure(ParseFailure.MissingResult, "в ответе нет таблицы");
                case "chart" when answer.Chart is null && !(chartExplicitlyNull && hasText):
                    throw Failure(ParseFailure.MissingResult, "в ответе нет описания диаграммы");
                case "text" when !hasText:
                    throw Failure(ParseFailure.MissingResult, "в ответе нет текста");
            }
            // A histogram is a frequency table and its chart: one without the other is not the answer.
            if (context.Category == "data-histogram" && answer.Chart is not null && answer.Table is null)
                throw Failure(ParseFailure.MissingResult, "у гистограммы нет таблицы частот");
        }

        // ---- values ----------------------------------------------------------------------

        private string ReadText(JsonElement? element) => element switch
        {
            null or { ValueKind: JsonValueKind.Null } => "",
            { ValueKind: JsonValueKind.String } s => s.GetString()!.Trim(),
            { ValueKind: JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False } v => v.GetRawText(),
            { ValueKind: JsonValueKind.Array } lines when lines.EnumerateArray().All(l => l.ValueKind == JsonValueKind.String) =>
                JoinLines(lines),
            _ => throw Failure(ParseFailure.WrongType, "поле text должно быть строкой"),
        };

        private string JoinLines(JsonElement lines)
        {
            Repaired("текст из нескольких строк объединён");
            return string.Join("\n", lines.EnumerateArray().Select(l => l.GetString()!.Trim()));
        }

        private static string? ReadString(JsonElement? element, string field) => element switch
        {
            null or { ValueKind: JsonValueKind.Null } => null,
            { ValueKind: JsonValueKind.String } s => string.IsNullOrWhiteSpace(s.GetString()) ? null : s.GetString(),
            _ => throw Failure(ParseFailure.WrongType, $"поле {field} должно быть строкой"),
        };

        /// <summary>"Лист2!$A$1:$c$5", "А1:В5" (Cyrillic letters), " a1 : b5 " → a range; the sheet name goes to <paramref name="worksheet"/>.</summary>
        private CellRange? ReadRange(string? text, string field, ref string? worksheet)
        {
            if (text is null) return null;
            var cleaned = text.Trim();
            var bang = cleaned.LastIndexOf('!');
            if (bang > 0)
            {
                worksheet ??= cleaned[..bang].Trim().Trim('\'');
                cleaned = cleaned[(bang + 1)..];
            }
            cleaned = CellRepairs.LatinLookalikes(cleaned).Replace(" ", "").Replace("$", "");
            if (CellRange.TryParse(cleaned, out var range))
            {
                if (cleaned != text.Trim()) Repaired($"адрес {field} «{text.Trim()}» приведён к виду {range}");
                return range;
            }
            throw Failure(ParseFailure.InvalidRange, $"неверный диапазон {field} «{Shorten(text)}»");
        }

        private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

        // ---- table -----------------------------------------------------------------------

        private List<List<JsonElement>>? ReadTable(JsonElement? element)
        {
            switch (element)
            {
                case null or { ValueKind: JsonValueKind.Null }:
                    return null;
                case { ValueKind: JsonValueKind.String } s:
                    var inner = LenientJson.TryParseObject("{\"t\":" + s.GetString() + "}");
                    if (inner is null || inner.Value.GetProperty("t").ValueKind != JsonValueKind.Array)
                        throw Failure(ParseFailure.WrongType, "поле table должно быть массивом строк таблицы");
                    Repaired("таблица пришла строкой с JSON и разобрана");
                    return ReadTable(inner.Value.GetProperty("t"));
                case { ValueKind: JsonValueKind.Array } array:
                    return ReadRows(array);
                default:
                    throw Failure(ParseFailure.WrongType, "поле table должно быть массивом строк таблицы");
            }
        }

        private List<List<JsonElement>>? ReadRows(JsonElement array)
        {
            var items = array.EnumerateArray().ToList();
            if (items.Count == 0) return null;
            if (items.Count > MaxRows) throw Failure(ParseFailure.TooLarge, $"таблица ответа длиннее {MaxRows} строк");
            List<List<JsonElement>> rows;
            if (items.All(i => i.ValueKind == JsonValueKind.Object))
            {
                // [{"Товар": "A", "Сумма": 1}, ...]: the keys become the header row.
                var keys = items.SelectMany(i => i.EnumerateObject().Select(p => p.Name)).Distinct().ToList();
                rows = [keys.Select(k => JsonSerializer.SerializeToElement(k)).ToList()];
                rows.AddRange(items.Select(i => keys.Select(k => i.TryGetProperty(k, out var v) ? v : Null).ToList()));
                Repaired("таблица пришла списком объектов: ключи стали строкой заголовков");
            }
            else if (items.All(i => i.ValueKind == JsonValueKind.Array))
            {
                rows = items.Select(i => i.EnumerateArray().ToList()).ToList();
            }
            else
            {
                throw Failure(ParseFailure.BadTable, "таблица должна быть массивом строк, каждая строка — массивом ячеек");
            }

            var width = rows.Max(r => r.Count);
            if (width == 0) return null;
            if (width > MaxColumns) throw Failure(ParseFailure.TooLarge, $"таблица ответа шире {MaxColumns} столбцов");
            if (rows.Any(r => r.Count != width))
            {
                Repaired("строки таблицы разной длины дополнены пустыми ячейками");
                rows = rows.Select(r => r.Concat(Enumerable.Repeat(Null, width - r.Count)).ToList()).ToList();
            }
            for (var y = 0; y < rows.Count; y++)
                for (var x = 0; x < width; x++)
                    rows[y][x] = RepairCell(rows[y][x], isHeader: y == 0 && rows.Count > 1);
            return rows;
        }

        private static readonly JsonElement Null = JsonSerializer.SerializeToElement<object?>(null);

        private JsonElement RepairCell(JsonElement cell, bool isHeader)
        {
            switch (cell.ValueKind)
            {
                case JsonValueKind.Object or JsonValueKind.Array:
                    throw Failure(ParseFailure.BadTable, "ячейка таблицы содержит вложенный объект или массив");
                case JsonValueKind.String:
                    var text = cell.GetString()!;
                    if (text.StartsWith('='))
                    {
                        var formula = CellRepairs.NormalizeFormula(text);
                        if (formula == text) return cell;
                        Repaired("формулы приведены к английским именам функций и запятым между аргументами");
                        return JsonSerializer.SerializeToElement(formula);
                    }
                    // A header such as "2024" is a label, not a number: headers stay as written.
                    if (!isHeader && CellRepairs.TryParseNumber(text, out var number))
                    {
                        Repaired("числа, записанные строкой, преобразованы в числа");
                        return JsonSerializer.SerializeToElement(number);
                    }
                    return cell;
                default:
                    return cell;
            }
        }

        /// <summary>
        /// The answer's target range. Missing: placed by the category's rule. Size disagreeing
        /// with the table: recomputed from the top-left cell the model chose (the model is more
        /// often wrong about the far corner than about where the table starts).
        /// </summary>
        private CellRange PlaceTable(List<List<JsonElement>> rows, CellRange? given)
        {
            int height = rows.Count, width = rows[0].Count;
            CellRange placed;
            if (given is not { } range)
            {
                var (column, row) = DefaultTopLeft();
                placed = CellRange.At(column, row, width, height);
                Repaired($"диапазон вывода не указан: таблица размещена в {placed}");
            }
            else if (range.Columns != width || range.Rows != height)
            {
                placed = CellRange.At(range.FirstColumn, range.FirstRow, width, height);
                Repaired($"диапазон вывода {range} не совпадал с размером таблицы ({height}×{width}) и пересчитан от левой верхней ячейки: {placed}");
            }
            else
            {
                placed = range;
            }
            if (placed.Columns != width || placed.Rows != height)
                throw Failure(ParseFailure.InvalidRange, "таблица ответа не помещается на лист от указанной ячейки");
            return placed;
        }

        private (int Column, int Row) DefaultTopLeft()
        {
            if (_input is not { } input) return (1, 1);
            return context.Category switch
            {
                "spreadsheet-generation" or "spreadsheet-formatting" => (input.FirstColumn, input.FirstRow),
                "spreadsheet-analysis" => (Math.Min(CellRange.MaxColumn, input.LastColumn + 1), input.FirstRow),
                _ => (Math.Min(CellRange.MaxColumn, input.LastColumn + 2), input.FirstRow),
            };
        }

        private (List<List<JsonElement>>? Rows, List<string?>? RowStyles, string? Worksheet, string? Range) ReadStructured(JsonElement root)
        {
            string? worksheet = null, range = null;
            if (Get(root, "worksheet") is { ValueKind: JsonValueKind.Object } sheet)
            {
                worksheet = ReadString(Get(sheet, "name"), "worksheet.name");
                range = ReadString(Get(sheet, "range"), "worksheet.range");
            }
            if (Get(root, "data") is not { ValueKind: JsonValueKind.Object } data) return (null, null, worksheet, range);
            var items = new List<JsonElement>();
            var styles = new List<string?>();
            void AddRow(JsonElement row, string field)
            {
                var values = row.ValueKind == JsonValueKind.Array ? row : Get(row, "values");
                if (values is not { ValueKind: JsonValueKind.Array } array)
                    throw Failure(ParseFailure.BadTable, $"в {field} нет массива values");
                items.Add(array);
                styles.Add(row.ValueKind == JsonValueKind.Object ? ReadString(Get(row, "style"), $"{field}.style") : null);
            }
            if (Get(data, "header") is { ValueKind: JsonValueKind.Object or JsonValueKind.Array } header) AddRow(header, "data.header");
            if (Get(data, "rows") is { ValueKind: JsonValueKind.Array } rowArray)
            {
                var i = 0;
                foreach (var row in rowArray.EnumerateArray()) AddRow(row, $"data.rows[{i++}]");
            }
            if (items.Count == 0) return (null, null, worksheet, range);
            var rows = ReadRows(JsonSerializer.SerializeToElement(items));
            return (rows, styles.Any(s => s is not null) ? styles : null, worksheet, range);
        }

        // ---- styles ----------------------------------------------------------------------

        private List<CellStyle> ReadStyles(JsonElement? element)
        {
            var styles = new List<CellStyle>();
            foreach (var item in ObjectsOf(element, "styles"))
            {
                var id = Scalar(Get(item, "id"));
                if (string.IsNullOrWhiteSpace(id)) throw Failure(ParseFailure.InvalidStyle, "у стиля нет id");
                if (styles.Any(s => s.Id == id)) throw Failure(ParseFailure.InvalidStyle, $"стиль «{id}» объявлен дважды");
                styles.Add(ReadStyle(item, id));
            }
            return styles;
        }

        private CellStyle ReadStyle(JsonElement item, string id)
        {
            string? Normalized(string field, Func<string?, string?> normalize, string what)
            {
                var raw = Scalar(Get(item, field));
                if (raw is null) return null;
                var value = normalize(raw);
                if (value is null) Repaired($"в стиле «{id}» пропущено нераспознанное значение ({what}) «{Shorten(raw)}»");
                else if (value != raw) Repaired($"в стиле «{id}»: {what} «{Shorten(raw)}» → «{value}»");
                return value;
            }
            double? size = null;
            if (Scalar(Get(item, "font_size")) is { } rawSize)
            {
                var digits = rawSize.Replace("pt", "", StringComparison.OrdinalIgnoreCase).Replace("px", "", StringComparison.OrdinalIgnoreCase).Trim().Replace(',', '.');
                if (double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s is >= 1 and <= 409) size = s;
                else Repaired($"нераспознанный размер шрифта «{Shorten(rawSize)}» в стиле «{id}» пропущен");
            }
            return new CellStyle
            {
                Id = id,
                BackgroundColor = Normalized("background_color", CellRepairs.NormalizeColor, "цвет") ?? Normalized("fill_color", CellRepairs.NormalizeColor, "цвет"),
                FontColor = Normalized("font_color", CellRepairs.NormalizeColor, "цвет") ?? Normalized("color", CellRepairs.NormalizeColor, "цвет"),
                FontWeight = Normalized("font_weight", CellRepairs.NormalizeFontWeight, "насыщенность шрифта") ?? (Get(item, "bold") is { ValueKind: JsonValueKind.True } ? "bold" : null),
                FontStyle = Normalized("font_style", CellRepairs.NormalizeFontStyle, "начертание") ?? (Get(item, "italic") is { ValueKind: JsonValueKind.True } ? "italic" : null),
                FontSize = size,
                HorizontalAlignment = Normalized("horizontal_alignment", CellRepairs.NormalizeHorizontal, "выравнивание"),
                VerticalAlignment = Normalized("vertical_alignment", CellRepairs.NormalizeVertical, "выравнивание"),
                Border = Normalized("border", CellRepairs.NormalizeBorder, "граница"),
            };
        }

        private List<StyleRange> ReadStyleRanges(JsonElement? element, List<CellStyle> styles, CellRange? output, ref string? worksheet)
        {
            var result = new List<StyleRange>();
            foreach (var item in ObjectsOf(element, "style_ranges"))
            {
                var rangeText = ReadString(Get(item, "range") ?? Get(item, "cells"), "style_ranges.range")
                                ?? throw Failure(ParseFailure.InvalidStyle, "в style_ranges не указан диапазон");
                var range = ReadRange(rangeText, "style_ranges.range", ref worksheet)!.Value;
                // Styles go on the selection (or the answer's own table), never on cells the user did not select.
                if (_input is { } input && !Contains(input, range) && !(output is { } o && Contains(o, range)))
                    throw Failure(ParseFailure.InvalidStyle, $"стиль назначен диапазону {range} вне выделенных ячеек {input}");
                string styleId;
                var style = Get(item, "style");
                if (style is { ValueKind: JsonValueKind.Object } inline)
                {
                    // An inline style gets an id of its own.
                    styleId = $"style{styles.Count + 1}";
                    styles.Add(ReadStyle(inline, styleId));
                    Repaired("стили, заданные прямо в style_ranges, вынесены в список styles");
                }
                else
                {
                    styleId = Scalar(style) ?? throw Failure(ParseFailure.InvalidStyle, $"для диапазона {range} не указан стиль");
                    if (styles.All(s => s.Id != styleId))
                        throw Failure(ParseFailure.InvalidStyle, $"диапазон {range} ссылается на неизвестный стиль «{Shorten(styleId)}»");
                }
                result.Add(new StyleRange(range.ToString(), styleId));
            }
            return result;
        }

        /// <summary>The objects of an array field of the styling part; anything else there makes the styling unusable.</summary>
        private static IEnumerable<JsonElement> ObjectsOf(JsonElement? element, string field)
        {
            if (element is null or { ValueKind: JsonValueKind.Null }) return [];
            if (element is not { ValueKind: JsonValueKind.Array } array || array.EnumerateArray().Any(i => i.ValueKind != JsonValueKind.Object))
                throw Failure(ParseFailure.InvalidStyle, $"поле {field} должно быть массивом объектов");
            return array.EnumerateArray();
        }

        private static void AddRowStyles(List<string?> rowStyles, CellRange placed, List<CellStyle> styles, List<StyleRange> ranges)
        {
            for (var i = 0; i < rowStyles.Count; i++)
            {
                if (rowStyles[i] is not { } id) continue;
                if (styles.All(s => s.Id != id)) throw Failure(ParseFailure.InvalidStyle, $"строка {i + 1} ссылается на неизвестный стиль «{id}»");
                var row = placed.FirstRow + i;
                ranges.Add(new StyleRange(new CellRange(placed.FirstColumn, row, placed.LastColumn, row).ToString(), id));
            }
        }

        private List<ColumnFormat> ReadColumns(JsonElement? element, CellRange? output)
        {
            var result = new List<ColumnFormat>();
            if (element is not { ValueKind: JsonValueKind.Array } array) return result;
            foreach (var item in array.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object) continue;
                int? index = Get(item, "index") switch
                {
                    { ValueKind: JsonValueKind.Number } n when n.TryGetInt32(out var i) => i,
                    { ValueKind: JsonValueKind.String } s when int.TryParse(s.GetString(), out var i) => i,
                    // A column letter ("C") is turned into an index relative to the answer's range.
                    { ValueKind: JsonValueKind.String } s when output is { } o && CellRange.TryParse(s.GetString() + "1", out var c) => c.FirstColumn - o.FirstColumn,
                    _ => null,
                };
                var width = Get(item, "width") is { ValueKind: JsonValueKind.Number } w && w.GetDouble() is > 0 and < 256 ? w.GetDouble() : (double?)null;
                var format = Scalar(Get(item, "format") ?? Get(item, "number_format"));
                if (index is not { } idx || idx < 0 || (output is { } range && idx >= range.Columns))
                {
                    Repaired("формат столбца с неверным номером пропущен");
                    continue;
                }
                if (format is null && width is null) continue;
                result.Add(new ColumnFormat { Index = idx, Format = format, Width = width });
            }
            return result;
        }

        // ---- chart -----------------------------------------------------------------------

        /// <summary>The chart type names ONLYOFFICE's ApiWorksheet.AddChart accepts.</summary>
        public static readonly string[] ChartTypes =
        [
            "bar", "barStacked", "barStackedPercent", "bar3D", "barStacked3D", "barStackedPercent3D", "barStackedPercent3DPerspective",
            "horizontalBar", "horizontalBarStacked", "horizontalBarStackedPercent", "horizontalBar3D", "horizontalBarStacked3D", "horizontalBarStackedPercent3D",
            "lineNormal", "lineStacked", "lineStackedPercent", "line3D", "pie", "pie3D", "doughnut", "scatter", "stock",
            "area", "areaStacked", "areaStackedPercent",
        ];

        private static readonly Dictionary<string, string> ChartSynonyms = new(StringComparer.OrdinalIgnoreCase)
        {
            ["line"] = "lineNormal", ["linechart"] = "lineNormal", ["линейная"] = "lineNormal", ["график"] = "lineNormal",
            ["column"] = "bar", ["columns"] = "bar", ["barchart"] = "bar", ["histogram"] = "bar", ["столбчатая"] = "bar", ["гистограмма"] = "bar",
            ["hbar"] = "horizontalBar", ["barh"] = "horizontalBar", ["horizontal"] = "horizontalBar", ["линейчатая"] = "horizontalBar",
            ["stackedbar"] = "barStacked", ["stackedcolumn"] = "barStacked", ["donut"] = "doughnut", ["ring"] = "doughnut",
            ["кольцевая"] = "doughnut", ["piechart"] = "pie", ["круговая"] = "pie", ["точечная"] = "scatter", ["xy"] = "scatter",
            ["stackedarea"] = "areaStacked", ["собластями"] = "area", ["stackedline"] = "lineStacked",
        };

        private static string? ChartType(string raw)
        {
            var key = raw.Replace("_", "").Replace("-", "").Replace(" ", "");
            var exact = ChartTypes.FirstOrDefault(t => string.Equals(t, key, StringComparison.OrdinalIgnoreCase));
            return exact ?? (ChartSynonyms.TryGetValue(key, out var synonym) ? synonym : null);
        }

        private ChartSpec? ReadChart(JsonElement? element, CellRange? output, List<List<JsonElement>>? table)
        {
            JsonElement? typeElement;
            switch (element)
            {
                case null or { ValueKind: JsonValueKind.Null }:
                    return null;
                case { ValueKind: JsonValueKind.String }:
                    typeElement = element;
                    element = null;
                    break;
                case { ValueKind: JsonValueKind.Object } obj:
                    typeElement = Get(obj, "type") ?? Get(obj, "chart_type");
                    break;
                default:
                    throw Failure(ParseFailure.WrongType, "поле chart должно быть объектом");
            }
            var rawType = Scalar(typeElement) ?? throw Failure(ParseFailure.InvalidChart, "у диаграммы не указан тип");
            var type = ChartType(rawType) ?? throw Failure(ParseFailure.InvalidChart, $"неизвестный тип диаграммы «{Shorten(rawType)}»");
            if (type != rawType) Repaired($"тип диаграммы «{rawType}» заменён на «{type}»");

            string? ignoredSheet = null;
            var obj2 = element;
            var dataRange = ReadRange(obj2 is { } o1 ? ReadString(Get(o1, "data_range") ?? Get(o1, "range"), "chart.data_range") : null, "chart.data_range", ref ignoredSheet);
            var histogram = context.Category == "data-histogram";
            if (histogram && output is { } frequencies && dataRange != frequencies)
            {
                if (dataRange is not null) Repaired($"диапазон данных гистограммы заменён на таблицу частот {frequencies}");
                dataRange = frequencies;
            }
            dataRange ??= _input ?? throw Failure(ParseFailure.InvalidChart, "у диаграммы не указан диапазон данных");
            var data = dataRange.Value;
            if (data.Columns == 1 && data.Rows == 1) throw Failure(ParseFailure.InvalidChart, "диапазон данных диаграммы — одна ячейка");
            var inside = (_input is { } input && Contains(input, data)) || (output is { } outRange && Contains(outRange, data));
            if (!inside && (_input is not null || output is not null))
                throw Failure(ParseFailure.InvalidChart, $"диапазон данных диаграммы {data} выходит за пределы данных запроса");

            var seriesInRows = obj2 is { } o2 && Get(o2, "series_in_rows") switch
            {
                { ValueKind: JsonValueKind.True } => true,
                { ValueKind: JsonValueKind.String } s => s.GetString()?.Trim().ToLowerInvariant() is "true" or "rows" or "да",
                _ => false,
            };
            var series = ReadSeries(obj2, data, ref seriesInRows, table, output);

            var position = obj2 is { } o3 ? ReadString(Get(o3, "position"), "chart.position") : null;
            CellRange? at = null;
            if (position is not null)
            {
                try { at = ReadRange(position, "chart.position", ref ignoredSheet); }
                catch (AnswerFailure) { Repaired($"неверная позиция диаграммы «{Shorten(position)}» заменена"); }
            }
            if (at is null)
            {
                var right = Math.Max(data.LastColumn, output?.LastColumn ?? 0);
                at = CellRange.At(Math.Min(CellRange.MaxColumn, right + 2), data.FirstRow, 1, 1);
                if (position is null) Repaired($"позиция диаграммы не указана: {at}");
            }
            var title = obj2 is { } o4 ? Scalar(Get(o4, "title")) : null;
            return new ChartSpec
            {
                Type = type,
                Title = title,
                DataRange = data.ToString(),
                SeriesInRows = seriesInRows,
                Position = CellRange.At(at.Value.FirstColumn, at.Value.FirstRow, 1, 1).ToString(),
                Series = series,
            };
        }

        private static bool Contains(CellRange outer, CellRange inner) =>
            inner.FirstColumn >= outer.FirstColumn && inner.LastColumn <= outer.LastColumn
            && inner.FirstRow >= outer.FirstRow && inner.LastRow <= outer.LastRow;

        /// <summary>
        /// The series a data range holds: by convention its first row holds the category labels and
        /// its first column the series names (or the other way round when series are in columns).
        /// A series list from the model must agree with that count; when it agrees only with the
        /// other orientation, series_in_rows was wrong and is flipped.
        /// </summary>
        private List<ChartSeries> ReadSeries(JsonElement? chart, CellRange data, ref bool seriesInRows, List<List<JsonElement>>? table, CellRange? output)
        {
            static int Implied(CellRange d, bool inRows) => Math.Max(1, (inRows ? d.Rows : d.Columns) - 1);
            var given = chart is { } c && Get(c, "series") is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray().ToList() : null;
            var names = new List<string?>();
            if (given is { Count: > 0 })
            {
                if (given.Count != Implied(data, seriesInRows))
                {
                    if (given.Count == Implied(data, !seriesInRows))
                    {
                        seriesInRows = !seriesInRows;
                        Repaired("ориентация рядов диаграммы (series_in_rows) исправлена по числу рядов");
                    }
                    else
                    {
                        throw Failure(ParseFailure.InvalidChart,
                            $"число рядов диаграммы ({given.Count}) не соответствует диапазону данных {data} ({Implied(data, seriesInRows)})");
                    }
                }
                names = given.Select(s => s.ValueKind == JsonValueKind.Object ? Scalar(Get(s, "name")) : Scalar(s)).ToList();
            }

            var count = Implied(data, seriesInRows);
            var list = new List<ChartSeries>(count);
            for (var i = 0; i < count; i++)
            {
                var hasLabels = (seriesInRows ? data.Columns : data.Rows) > 1;
                CellRange values, nameCell;
                if (seriesInRows)
                {
                    var row = data.Rows > 1 ? data.FirstRow + 1 + i : data.FirstRow;
                    nameCell = new CellRange(data.FirstColumn, row, data.FirstColumn, row);
                    values = new CellRange(hasLabels ? data.FirstColumn + 1 : data.FirstColumn, row, data.LastColumn, row);
                }
                else
                {
                    var column = data.Columns > 1 ? data.FirstColumn + 1 + i : data.FirstColumn;
                    nameCell = new CellRange(column, data.FirstRow, column, data.FirstRow);
                    values = new CellRange(column, hasLabels ? data.FirstRow + 1 : data.FirstRow, column, data.LastRow);
                }
                var name = CellText(nameCell, table, output) ?? (i < names.Count ? names[i] : null);
                list.Add(new ChartSeries(name, values.ToString(), nameCell.ToString()));
            }
            return list;
        }

        /// <summary>The text of a sheet cell when the request's table or the answer's table holds it.</summary>
        private string? CellText(CellRange cell, List<List<JsonElement>>? table, CellRange? output)
        {
            JsonElement? value = null;
            if (output is { } o && table is not null && Contains(o, cell))
                value = table[cell.FirstRow - o.FirstRow][cell.FirstColumn - o.FirstColumn];
            else if (_input is { } input && Contains(input, cell) && context.InputData is { ValueKind: JsonValueKind.Array } rows
                     && cell.FirstRow - input.FirstRow < rows.GetArrayLength())
            {
                var row = rows[cell.FirstRow - input.FirstRow];
                if (row.ValueKind == JsonValueKind.Array && cell.FirstColumn - input.FirstColumn < row.GetArrayLength())
                    value = row[cell.FirstColumn - input.FirstColumn];
            }
            return value switch
            {
                { ValueKind: JsonValueKind.String } s => s.GetString(),
                { ValueKind: JsonValueKind.Number } n => n.GetRawText(),
                _ => null,
            };
        }

        // ---- helpers ---------------------------------------------------------------------

        private static string? Scalar(JsonElement? element) => element switch
        {
            { ValueKind: JsonValueKind.String } s => string.IsNullOrWhiteSpace(s.GetString()) ? null : s.GetString()!.Trim(),
            { ValueKind: JsonValueKind.Number } n => n.GetRawText(),
            { ValueKind: JsonValueKind.True } => "true",
            { ValueKind: JsonValueKind.False } => "false",
            _ => null,
        };

        private static JsonElement? Get(JsonElement obj, string name) => LenientJson.Property(obj, name);
    }
}
