using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using GigaOffice.Configuration;
using Microsoft.Extensions.Options;

namespace GigaOffice.Requests;

/// <summary>Checks sizes and shapes of a request; every problem names its field.</summary>
public sealed class ProcessRequestValidator(IOptions<RequestLimitsOptions> limits)
{
    private readonly RequestLimitsOptions _limits = limits.Value;

    public Dictionary<string, string[]> Validate(string? queryText, string? inputRange, JsonElement? inputData)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(queryText))
            errors["query_text"] = ["Текст запроса обязателен."];
        else if (queryText.Length > _limits.MaxQueryLength)
            errors["query_text"] = [$"Текст запроса длиннее {_limits.MaxQueryLength} символов."];

        if (inputRange is not null && !CellRange.TryParse(inputRange, out _))
            errors["input_range"] = [$"Диапазон \"{Truncate(inputRange)}\" не в формате A1 или A1:D10."];

        if (inputData is { } data && data.ValueKind != JsonValueKind.Null)
            ValidateTable(data, errors);
        return errors;
    }

    private void ValidateTable(JsonElement data, Dictionary<string, string[]> errors)
    {
        if (data.ValueKind != JsonValueKind.Array)
        {
            errors["input_data"] = ["Ожидается массив строк таблицы (массив массивов)."];
            return;
        }
        var rows = data.GetArrayLength();
        if (rows > _limits.MaxRows)
        {
            errors["input_data"] = [$"Не больше {_limits.MaxRows} строк, получено {rows}."];
            return;
        }
        var cells = 0;
        var index = 0;
        var width = -1;
        foreach (var row in data.EnumerateArray())
        {
            var field = $"input_data[{index}]";
            if (row.ValueKind != JsonValueKind.Array)
            {
                errors[field] = ["Строка таблицы должна быть массивом ячеек."];
                return;
            }
            var columns = row.GetArrayLength();
            if (columns > _limits.MaxColumns)
            {
                errors[field] = [$"Не больше {_limits.MaxColumns} столбцов, получено {columns}."];
                return;
            }
            // A selection is rectangular: rows of different lengths mean a broken client.
            if (width >= 0 && columns != width)
            {
                errors[field] = [$"Все строки должны быть одной длины: в первой строке {width} ячеек, в этой {columns}."];
                return;
            }
            width = columns;
            cells += columns;
            if (cells > _limits.MaxCells)
            {
                errors["input_data"] = [$"Не больше {_limits.MaxCells} ячеек в таблице."];
                return;
            }
            var column = 0;
            string CellField() => $"{field}[{column}]"; // only for an error: not a string per cell
            foreach (var cell in row.EnumerateArray())
            {
                switch (cell.ValueKind)
                {
                    case JsonValueKind.Object or JsonValueKind.Array:
                        errors[CellField()] = ["Ячейка может быть строкой, числом, логическим значением или null."];
                        return;
                    case JsonValueKind.Number when !cell.TryGetDouble(out var number) || !double.IsFinite(number):
                        errors[CellField()] = ["Число вне диапазона, который может хранить таблица (до ±1,79·10^308)."];
                        return;
                    case JsonValueKind.String:
                        var length = TextLength(cell);
                        if (length is null)
                        {
                            errors[CellField()] = ["Ячейка содержит неверный текст: байты не в UTF-8 или непарный суррогат UTF-16 (\\uD800–\\uDFFF)."];
                            return;
                        }
                        if (length > _limits.MaxCellLength)
                        {
                            errors[CellField()] = [$"Ячейка длиннее {_limits.MaxCellLength} символов."];
                            return;
                        }
                        break;
                }
                column++;
            }
            index++;
        }
    }

    /// <summary>
    /// Null when the JSON string is not valid UTF-8 or escapes a lone surrogate, which no .NET string can hold. Without
    /// escapes the length is counted from the raw UTF-8 (between its quotes), so a table's cells are
    /// checked without a string made of each.
    /// </summary>
    private static int? TextLength(JsonElement cell)
    {
        var raw = JsonMarshal.GetRawUtf8Value(cell);
        // The reader does not check a string's bytes until it is read: invalid UTF-8 is refused here, not
        // met later as an exception in the classifier or the worker.
        if (!System.Text.Unicode.Utf8.IsValid(raw)) return null;
        if (raw.IndexOf((byte)'\\') < 0) return Encoding.UTF8.GetCharCount(raw[1..^1]);
        try { return cell.GetString()!.Length; }
        catch (InvalidOperationException) { return null; }
    }

    private static string Truncate(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
