using System.Globalization;
using System.Text.Json;
using GigaOffice.GigaChat;
using GigaOffice.Requests;
using static GigaOffice.Answers.AnswerReading;

namespace GigaOffice.Answers;

/// <summary>
/// Reads the styling part of an answer: named styles, the ranges they go on (only the selection
/// or the answer's own table), styles of structured rows. Values are normalised where the
/// meaning is clear (colours, weights, alignments); anything else in a style is dropped with a note.
/// </summary>
internal sealed class StyleReader(AnswerReading reading)
{
    public Read<List<CellStyle>> Styles(JsonElement? element)
    {
        var items = ObjectsOf(element, "styles");
        if (items.Error is { } error) return error;
        var styles = new List<CellStyle>();
        foreach (var item in items.Value!)
        {
            var id = Scalar(Get(item, "id"));
            if (string.IsNullOrWhiteSpace(id)) return Fail(ParseFailure.InvalidStyle, "у стиля нет id");
            if (styles.Any(s => s.Id == id)) return Fail(ParseFailure.InvalidStyle, $"стиль «{id}» объявлен дважды");
            styles.Add(Style(item, id));
        }
        return styles;
    }

    public CellStyle Style(JsonElement item, string id)
    {
        string? Normalized(string field, Func<string?, string?> normalize, string what)
        {
            var raw = Scalar(Get(item, field));
            if (raw is null) return null;
            var value = normalize(raw);
            if (value is null) reading.Repaired($"в стиле «{id}» пропущено нераспознанное значение ({what}) «{Shorten(raw)}»");
            else if (value != raw) reading.Repaired($"в стиле «{id}»: {what} «{Shorten(raw)}» → «{value}»");
            return value;
        }
        double? size = null;
        if (Scalar(Get(item, "font_size")) is { } rawSize)
        {
            var digits = rawSize.Replace("pt", "", StringComparison.OrdinalIgnoreCase).Replace("px", "", StringComparison.OrdinalIgnoreCase).Trim().Replace(',', '.');
            if (double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s is >= 1 and <= 409) size = s;
            else reading.Repaired($"нераспознанный размер шрифта «{Shorten(rawSize)}» в стиле «{id}» пропущен");
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

    public Read<List<StyleRange>> Ranges(JsonElement? element, List<CellStyle> styles, CellRange? output, ref string? worksheet)
    {
        var items = ObjectsOf(element, "style_ranges");
        if (items.Error is { } error) return error;
        var result = new List<StyleRange>();
        foreach (var item in items.Value!)
        {
            var rangeText = String(Get(item, "range") ?? Get(item, "cells"), "style_ranges.range");
            if (rangeText.Error is { } textError) return textError;
            if (rangeText.Value is null) return Fail(ParseFailure.InvalidStyle, "в style_ranges не указан диапазон");
            var read = reading.Range(rangeText.Value, "style_ranges.range", ref worksheet);
            if (read.Error is { } rangeError) return rangeError;
            var range = read.Value!.Value;
            // Styles go on the selection (or the answer's own table), never on cells the user did not select.
            if (reading.Input is { } input && !Contains(input, range) && !(output is { } o && Contains(o, range)))
                return Fail(ParseFailure.InvalidStyle, $"стиль назначен диапазону {range} вне выделенных ячеек {input}");
            string styleId;
            var style = Get(item, "style");
            if (style is { ValueKind: JsonValueKind.Object } inline)
            {
                // An inline style gets an id of its own.
                styleId = $"style{styles.Count + 1}";
                styles.Add(Style(inline, styleId));
                reading.Repaired("стили, заданные прямо в style_ranges, вынесены в список styles");
            }
            else
            {
                if (Scalar(style) is not { } id) return Fail(ParseFailure.InvalidStyle, $"для диапазона {range} не указан стиль");
                if (styles.All(s => s.Id != id))
                    return Fail(ParseFailure.InvalidStyle, $"диапазон {range} ссылается на неизвестный стиль «{Shorten(id)}»");
                styleId = id;
            }
            result.Add(new StyleRange(range.ToString(), styleId));
        }
        return result;
    }

    /// <summary>Styles named by the rows of a structured answer become style ranges over those rows of the placed table.</summary>
    public static AnswerError? RowStyles(List<string?> rowStyles, CellRange placed, List<CellStyle> styles, List<StyleRange> ranges)
    {
        for (var i = 0; i < rowStyles.Count; i++)
        {
            if (rowStyles[i] is not { } id) continue;
            if (styles.All(s => s.Id != id)) return Fail(ParseFailure.InvalidStyle, $"строка {i + 1} ссылается на неизвестный стиль «{id}»");
            var row = placed.FirstRow + i;
            ranges.Add(new StyleRange(new CellRange(placed.FirstColumn, row, placed.LastColumn, row).ToString(), id));
        }
        return null;
    }

    /// <summary>The objects of an array field of the styling part; anything else there makes the styling unusable.</summary>
    private static Read<IEnumerable<JsonElement>> ObjectsOf(JsonElement? element, string field)
    {
        if (element is null or { ValueKind: JsonValueKind.Null }) return Read<IEnumerable<JsonElement>>.Of([]);
        if (element is not { ValueKind: JsonValueKind.Array } array || array.EnumerateArray().Any(i => i.ValueKind != JsonValueKind.Object))
            return Fail(ParseFailure.InvalidStyle, $"поле {field} должно быть массивом объектов");
        return Read<IEnumerable<JsonElement>>.Of(array.EnumerateArray().ToList());
    }
}

/// <summary>Reads the number formats and widths of the answer's columns.</summary>
internal sealed class ColumnReader(AnswerReading reading)
{
    /// <summary>
    /// Columns by index relative to <paramref name="output"/> (or by letter); a bad index is
    /// skipped with a note. <paramref name="implied"/> adds the formats the table's texts implied
    /// ("424 242,00", "12,5%") for columns the model gave none for.
    /// </summary>
    public List<ColumnFormat> Columns(JsonElement? element, CellRange? output, IReadOnlyDictionary<int, string>? implied)
    {
        var result = new List<ColumnFormat>();
        if (element is { ValueKind: JsonValueKind.Array } array)
            foreach (var item in array.EnumerateArray())
                if (item.ValueKind == JsonValueKind.Object && Column(item, output) is { } column) result.Add(column);
        foreach (var (index, format) in implied ?? new Dictionary<int, string>())
        {
            if (result.Any(c => c.Index == index && c.Format is not null)) continue;
            result.RemoveAll(c => c.Index == index);
            result.Add(new ColumnFormat { Index = index, Format = format });
            reading.Repaired("формат чисел столбца взят из того, как модель записала числа");
        }
        return result.OrderBy(c => c.Index).ToList();
    }

    private ColumnFormat? Column(JsonElement item, CellRange? output)
    {
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
            reading.Repaired("формат столбца с неверным номером пропущен");
            return null;
        }
        return format is null && width is null ? null : new ColumnFormat { Index = idx, Format = format, Width = width };
    }
}
