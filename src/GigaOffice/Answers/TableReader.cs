using System.Text.Json;
using GigaOffice.Requests;
using static GigaOffice.Answers.AnswerReading;

namespace GigaOffice.Answers;

/// <summary>A table read from the answer: rows of cells, the style id of each row (structured answers) and the number formats its texts implied.</summary>
internal sealed record ReadTable(List<List<JsonElement>> Rows, List<string?>? RowStyles, Dictionary<int, string> NumberFormats);

/// <summary>
/// Reads the table part of an answer: an array of rows (arrays or objects), a table sent as a JSON
/// string, the structured document's data.header/data.rows; repairs cells (numbers written as
/// text, Russian formula names) and places the table on the sheet.
/// </summary>
internal sealed class TableReader(AnswerReading reading)
{
    public const int MaxRows = 1000;
    public const int MaxColumns = 50;

    private static readonly JsonElement Null = JsonSerializer.SerializeToElement<object?>(null);

    public Read<ReadTable?> Table(JsonElement? element)
    {
        switch (element)
        {
            case null or { ValueKind: JsonValueKind.Null }:
                return (ReadTable?)null;
            case { ValueKind: JsonValueKind.String } s:
                var inner = LenientJson.TryParseObject("{\"t\":" + s.GetString() + "}");
                if (inner is null || inner.Value.GetProperty("t").ValueKind != JsonValueKind.Array)
                    return Fail(ParseFailure.WrongType, "поле table должно быть массивом строк таблицы");
                reading.Repaired("таблица пришла строкой с JSON и разобрана");
                return Table(inner.Value.GetProperty("t"));
            case { ValueKind: JsonValueKind.Array } array:
                return Rows(array.EnumerateArray().ToList(), null);
            default:
                return Fail(ParseFailure.WrongType, "поле table должно быть массивом строк таблицы");
        }
    }

    /// <summary>Whether an array looks like a table: rows that are all arrays or all objects.</summary>
    public static bool IsTableShaped(JsonElement array) =>
        array.ValueKind == JsonValueKind.Array && array.GetArrayLength() > 0
        && (array.EnumerateArray().All(i => i.ValueKind == JsonValueKind.Array) || array.EnumerateArray().All(i => i.ValueKind == JsonValueKind.Object));

    public Read<ReadTable?> Rows(List<JsonElement> items, List<string?>? rowStyles)
    {
        if (items.Count == 0) return (ReadTable?)null;
        if (items.Count > MaxRows) return Fail(ParseFailure.TooLarge, $"таблица ответа длиннее {MaxRows} строк");
        List<List<JsonElement>> rows;
        if (items.All(i => i.ValueKind == JsonValueKind.Object))
        {
            // [{"Товар": "A", "Сумма": 1}, ...]: the keys become the header row.
            var keys = items.SelectMany(i => i.EnumerateObject().Select(p => p.Name)).Distinct().ToList();
            rows = [keys.Select(k => JsonSerializer.SerializeToElement(k)).ToList()];
            rows.AddRange(items.Select(i => keys.Select(k => i.TryGetProperty(k, out var v) ? v : Null).ToList()));
            reading.Repaired("таблица пришла списком объектов: ключи стали строкой заголовков");
            if (rowStyles is not null) rowStyles = [null, .. rowStyles];
        }
        else if (items.All(i => i.ValueKind == JsonValueKind.Array))
        {
            rows = items.Select(i => i.EnumerateArray().ToList()).ToList();
        }
        else if (items.All(i => i.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False))
        {
            // ["A", "B", "C"]: a flat list is one column.
            rows = items.Select(i => new List<JsonElement> { i }).ToList();
            reading.Repaired("плоский список значений записан одним столбцом");
        }
        else
        {
            return Fail(ParseFailure.BadTable, "таблица должна быть массивом строк, каждая строка — массивом ячеек");
        }

        var width = rows.Max(r => r.Count);
        if (width == 0) return (ReadTable?)null;
        if (width > MaxColumns) return Fail(ParseFailure.TooLarge, $"таблица ответа шире {MaxColumns} столбцов");
        if (rows.Any(r => r.Count != width))
        {
            reading.Repaired("строки таблицы разной длины дополнены пустыми ячейками");
            rows = rows.Select(r => r.Concat(Enumerable.Repeat(Null, width - r.Count)).ToList()).ToList();
        }
        var formats = new Dictionary<int, string>();
        for (var y = 0; y < rows.Count; y++)
            for (var x = 0; x < width; x++)
            {
                var cell = Cell(rows[y][x], isHeader: y == 0 && rows.Count > 1, out var format);
                if (cell.Error is { } error) return error;
                rows[y][x] = cell.Value;
                if (format is not null) formats.TryAdd(x, format);
            }
        return new ReadTable(rows, rowStyles, formats);
    }

    private Read<JsonElement> Cell(JsonElement cell, bool isHeader, out string? format)
    {
        format = null;
        switch (cell.ValueKind)
        {
            case JsonValueKind.Object or JsonValueKind.Array:
                return Fail(ParseFailure.BadTable, "ячейка таблицы содержит вложенный объект или массив");
            case JsonValueKind.String:
                var text = cell.GetString()!;
                if (text.StartsWith('='))
                {
                    var formula = CellRepairs.NormalizeFormula(text);
                    if (formula == text) return cell;
                    reading.Repaired("формулы приведены к английским именам функций и запятым между аргументами");
                    return JsonSerializer.SerializeToElement(formula);
                }
                // A header such as "2024" is a label, not a number: headers stay as written.
                if (!isHeader && RussianNumbers.TryParse(text, out var number, out format))
                {
                    reading.Repaired("числа, записанные строкой, преобразованы в числа");
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
    public Read<CellRange> Place(List<List<JsonElement>> rows, CellRange? given)
    {
        int height = rows.Count, width = rows[0].Count;
        CellRange placed;
        if (given is not { } range)
        {
            var (column, row) = DefaultTopLeft();
            placed = CellRange.At(column, row, width, height);
            reading.Repaired($"диапазон вывода не указан: таблица размещена в {placed}");
        }
        else if (range.Columns != width || range.Rows != height)
        {
            placed = CellRange.At(range.FirstColumn, range.FirstRow, width, height);
            reading.Repaired($"диапазон вывода {range} не совпадал с размером таблицы ({height}×{width}) и пересчитан от левой верхней ячейки: {placed}");
        }
        else
        {
            placed = range;
        }
        if (placed.Columns != width || placed.Rows != height)
            return Fail(ParseFailure.InvalidRange, "таблица ответа не помещается на лист от указанной ячейки");
        return placed;
    }

    private (int Column, int Row) DefaultTopLeft()
    {
        if (reading.Input is not { } input) return (1, 1);
        return reading.Context.Category switch
        {
            "spreadsheet-generation" or "spreadsheet-formatting" => (input.FirstColumn, input.FirstRow),
            "spreadsheet-analysis" => (Math.Min(CellRange.MaxColumn, input.LastColumn + 1), input.FirstRow),
            _ => (Math.Min(CellRange.MaxColumn, input.LastColumn + 2), input.FirstRow),
        };
    }

    /// <summary>The structured document: worksheet{name, range}, data{header{values, style}, rows[{values, style}]}.</summary>
    public Read<(ReadTable? Table, string? Worksheet, string? Range)> Structured(JsonElement root)
    {
        string? worksheet = null, range = null;
        if (Get(root, "worksheet") is { ValueKind: JsonValueKind.Object } sheet)
        {
            var name = String(Get(sheet, "name"), "worksheet.name");
            if (name.Error is { } e1) return e1;
            var sheetRange = String(Get(sheet, "range"), "worksheet.range");
            if (sheetRange.Error is { } e2) return e2;
            (worksheet, range) = (name.Value, sheetRange.Value);
        }
        if (Get(root, "data") is not { ValueKind: JsonValueKind.Object } data) return (null, worksheet, range);
        var items = new List<JsonElement>();
        var styles = new List<string?>();
        AnswerError? AddRow(JsonElement row, string field)
        {
            var values = row.ValueKind == JsonValueKind.Array ? row : Get(row, "values");
            if (values is not { ValueKind: JsonValueKind.Array } array)
                return Fail(ParseFailure.BadTable, $"в {field} нет массива values");
            var style = row.ValueKind == JsonValueKind.Object ? String(Get(row, "style"), $"{field}.style") : default;
            if (style.Error is { } error) return error;
            items.Add(array);
            styles.Add(style.Value);
            return null;
        }
        if (Get(data, "header") is { ValueKind: JsonValueKind.Object or JsonValueKind.Array } header && AddRow(header, "data.header") is { } headerError)
            return headerError;
        if (Get(data, "rows") is { ValueKind: JsonValueKind.Array } rowArray)
        {
            var i = 0;
            foreach (var row in rowArray.EnumerateArray())
                if (AddRow(row, $"data.rows[{i++}]") is { } rowError) return rowError;
        }
        if (items.Count == 0) return (null, worksheet, range);
        var table = Rows(items, styles.Any(s => s is not null) ? styles : null);
        if (table.Error is { } tableError) return tableError;
        return (table.Value, worksheet, range);
    }
}
