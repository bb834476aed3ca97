using System.Globalization;
using System.Text;
using System.Text.Json;
using GigaOffice.Configuration;
using GigaOffice.Requests;
using Microsoft.Extensions.Options;

namespace GigaOffice.GigaChat;

/// <summary>
/// A deterministic local stand-in for the model: it answers every category in the shape the real
/// model is asked for, computing real figures from the table. It sees only the request, never the
/// configuration, so it cannot echo a secret.
/// </summary>
public sealed class DryRunGigaChatClient(IOptions<GigaChatOptions> options) : IGigaChatClient
{
    public const string ModelName = "GigaChat-dryrun";
    private readonly int _delayMs = options.Value.DryRunDelayMs;

    public string Mode => "dryrun";

    public async Task<GigaChatCompletion> CompleteAsync(GigaChatRequest request, CancellationToken cancellationToken)
    {
        if (_delayMs > 0) await Task.Delay(_delayMs, cancellationToken);
        var table = Table.From(request.Context);
        var columns = ColumnInfo.From(request.Context.InputStyles) ?? [];
        var answer = request.Context.Category switch
        {
            "spreadsheet-analysis" => Analyze(table),
            "spreadsheet-generation" => Generate(table),
            "spreadsheet-transformation" => Transform(table, request.Context.QueryText),
            "spreadsheet-search" => Search(table, request.Context.QueryText),
            "spreadsheet-formatting" => Format(table),
            "data-chart" when table.Rows.Count == 0 && columns.Count > 0 => DescribedColumns.Chart(columns, request.Context.InputRange, ChartType(request.Context.QueryText), Title(request.Context.QueryText)),
            "data-histogram" when table.Rows.Count == 0 && columns.Count > 0 => DescribedColumns.Histogram(columns, request.Context.InputRange),
            "data-chart" => Chart(table, request.Context.QueryText),
            "data-histogram" => Histogram(table),
            "spreadsheet-assistance" => Assist(request.Context.QueryText),
            _ => new SpreadsheetAnswer { Text = "Запрос не относится к работе с таблицами. Опишите, что сделать с данными на листе, например: «посчитай сумму по каждому товару»." },
        };
        var content = JsonSerializer.Serialize(answer, GigaOfficeJson.Options);
        var promptTokens = request.Messages.Sum(m => PromptBuilder.EstimateTokens(m.Content));
        var completionTokens = PromptBuilder.EstimateTokens(content);
        return new GigaChatCompletion(content, "stop", new TokenUsage(promptTokens, completionTokens, promptTokens + completionTokens), ModelName);
    }

    private static SpreadsheetAnswer Analyze(Table table)
    {
        var rows = table.Body.Select((row, i) => (Label: table.Label(row, i), Numbers: row.Select(Table.Number).OfType<double>().ToList()))
            .Where(r => r.Numbers.Count > 0).ToList();
        if (rows.Count == 0)
            return new SpreadsheetAnswer { Text = "В выделенном диапазоне нет числовых данных для анализа. Выделите таблицу с числами.", Table = [[Cell("Нет числовых данных")]], OutputRange = table.RightOf(1, 1) };

        var output = new List<List<JsonElement>>
        {
            new[] { table.Header?.FirstOrDefault() is { ValueKind: JsonValueKind.String } h ? h.GetString()! : "Строка", "Сумма", "Среднее", "Минимум", "Максимум", "Тренд", "Изменение, %" }.Select(Cell).ToList(),
        };
        var text = new StringBuilder($"Проанализировано строк: {rows.Count}. ");
        foreach (var (label, numbers) in rows)
        {
            var (trend, change) = Trend(numbers);
            output.Add([Cell(label), Cell(Round(numbers.Sum())), Cell(Round(numbers.Average())), Cell(numbers.Min()), Cell(numbers.Max()), Cell(trend), change is { } c ? Cell(c) : Cell((string?)null)]);
            if (output.Count <= 6)
                text.Append($"{label}: сумма {Show(numbers.Sum())}, среднее {Show(numbers.Average())}, тренд — {trend}{(change is { } ch ? $" ({(ch >= 0 ? "+" : "")}{Show(ch)}%)" : "")}. ");
        }
        var all = rows.SelectMany(r => r.Numbers).ToList();
        text.Append($"Общая сумма {Show(all.Sum())}, среднее значение {Show(all.Average())}.");
        return new SpreadsheetAnswer { Text = text.ToString(), Table = output, OutputRange = table.RightOf(output[0].Count, output.Count) };
    }

    /// <summary>Least-squares slope over the row, judged against the row's mean.</summary>
    private static (string Trend, double? ChangePercent) Trend(List<double> values)
    {
        if (values.Count < 2) return ("недостаточно данных", null);
        var meanX = (values.Count - 1) / 2.0;
        var meanY = values.Average();
        double cov = 0, variance = 0;
        for (var i = 0; i < values.Count; i++) { cov += (i - meanX) * (values[i] - meanY); variance += (i - meanX) * (i - meanX); }
        var slope = cov / variance;
        var relative = meanY == 0 ? slope : slope / Math.Abs(meanY);
        var trend = relative > 0.01 ? "рост" : relative < -0.01 ? "снижение" : "стабильно";
        double? change = values[0] == 0 ? null : Round((values[^1] - values[0]) / Math.Abs(values[0]) * 100);
        return (trend, change);
    }

    private static SpreadsheetAnswer Generate(Table table)
    {
        string[] header = table.Header is { } h && h.Count > 0
            ? h.Select(c => c.ValueKind == JsonValueKind.String ? c.GetString()! : c.ToString()).ToArray()
            : ["№", "Наименование", "Количество", "Цена", "Сумма"];
        var output = new List<List<JsonElement>> { header.Select(Cell).ToList() };
        var (column, row) = table.TopLeft;
        for (var i = 1; i <= 5; i++)
        {
            var sheetRow = row + i;
            output.Add(header.Select((name, c) => c switch
            {
                0 when header.Length == 5 && name == "№" => Cell(i),
                1 when header.Length == 5 => Cell($"Позиция {i}"),
                2 when header.Length == 5 => Cell(i * 10),
                3 when header.Length == 5 => Cell(100 + i * 25),
                4 when header.Length == 5 => Cell($"={CellRange.ColumnName(column + 2)}{sheetRow}*{CellRange.ColumnName(column + 3)}{sheetRow}"),
                _ => Cell($"{name} {i}"),
            }).ToList());
        }
        return new SpreadsheetAnswer
        {
            Text = $"Создана таблица-шаблон: {header.Length} столбцов, 5 строк данных. Замените примерные значения своими.",
            Table = output,
            OutputRange = CellRange.At(column, row, header.Length, output.Count).ToString(),
        };
    }

    private static SpreadsheetAnswer Transform(Table table, string query)
    {
        var q = query.ToLowerInvariant();
        if (table.Rows.Count == 0) return new SpreadsheetAnswer { Text = "Нет данных для преобразования: выделите диапазон с таблицей.", Table = [[Cell("Нет данных")]], OutputRange = table.RightOf(1, 1) };
        List<List<JsonElement>> output;
        string text;
        if (q.Contains("транспон") || q.Contains("transpose") || q.Contains("поменяй строки и столбцы"))
        {
            var width = table.Rows.Max(r => r.Count);
            output = Enumerable.Range(0, width).Select(c => table.Rows.Select(r => c < r.Count ? r[c] : Cell((string?)null)).ToList()).ToList();
            text = $"Таблица транспонирована: {table.Rows.Count} строк стали столбцами.";
        }
        else
        {
            var key = Enumerable.Range(0, table.Rows.Max(r => r.Count)).FirstOrDefault(c => table.Body.Any(r => c < r.Count && Table.Number(r[c]) is not null), 0);
            var descending = !(q.Contains("возраст") || q.Contains("ascending") || q.Contains("asc"));
            var sorted = table.Body.OrderBy(r => key < r.Count ? Table.Number(r[key]) ?? double.MinValue : double.MinValue).ToList();
            if (descending) sorted.Reverse();
            output = (table.Header is { } h ? new[] { h } : []).Concat(sorted).ToList();
            var name = table.Header is { } hd && key < hd.Count ? hd[key].ToString() : CellRange.ColumnName(key + 1);
            text = $"Строки отсортированы по столбцу «{name}» {(descending ? "по убыванию" : "по возрастанию")}.";
        }
        return new SpreadsheetAnswer { Text = text, Table = output, OutputRange = table.RightOf(output.Max(r => r.Count), output.Count) };
    }

    private static readonly string[] SearchStopWords = ["найди", "найти", "покажи", "выбери", "строки", "строку", "записи", "которые", "которых", "все", "всех", "where", "find", "rows", "show", "with", "больше", "меньше", "выше", "ниже", "greater", "less", "than", "where"];

    private static SpreadsheetAnswer Search(Table table, string query)
    {
        var q = query.ToLowerInvariant();
        var threshold = ThresholdPattern.Match(q);
        List<List<JsonElement>> found;
        string condition;
        if (threshold.Success && double.TryParse(threshold.Groups[2].Value.Replace(',', '.'), NumberStyles.Float, CultureInfo.InvariantCulture, out var limit))
        {
            var greater = threshold.Groups[1].Value is "больше" or "выше" or ">" or "greater" or "more" or "более";
            found = table.Body.Where(r => r.Select(Table.Number).OfType<double>().Any(v => greater ? v > limit : v < limit)).ToList();
            condition = $"есть значение {(greater ? "больше" : "меньше")} {Show(limit)}";
        }
        else
        {
            var terms = q.Split([' ', ',', '.', '?', '!', ':', ';', '«', '»', '"'], StringSplitOptions.RemoveEmptyEntries)
                .Where(w => w.Length >= 3 && !SearchStopWords.Contains(w)).ToList();
            found = table.Body.Where(r => r.Any(c => c.ValueKind == JsonValueKind.String && terms.Any(t => c.GetString()!.Contains(t, StringComparison.OrdinalIgnoreCase)))).ToList();
            condition = terms.Count > 0 ? $"встречается «{string.Join("», «", terms)}»" : "совпадает с запросом";
        }
        var output = (table.Header is { } h ? new[] { h } : []).Concat(found).ToList();
        if (output.Count == 0) output.Add([Cell("Ничего не найдено")]);
        return new SpreadsheetAnswer
        {
            Text = found.Count > 0 ? $"Найдено строк: {found.Count} (условие: {condition})." : $"Строк, где {condition}, не найдено.",
            Table = output,
            OutputRange = table.RightOf(output.Max(r => r.Count), output.Count),
        };
    }

    private static readonly System.Text.RegularExpressions.Regex ThresholdPattern =
        new(@"(больше|более|выше|меньше|менее|ниже|greater|more|less|>|<)\s*(?:than\s*|чем\s*)?(-?\d+(?:[.,]\d+)?)", System.Text.RegularExpressions.RegexOptions.Compiled);

    /// <summary>Header bold on grey, thin borders, number formats for numeric columns: the answer in styles, data untouched.</summary>
    private static SpreadsheetAnswer Format(Table table)
    {
        if (table.Rows.Count == 0) return new SpreadsheetAnswer { Text = "Нет данных для оформления: выделите диапазон." };
        var width = table.Rows.Max(r => r.Count);
        var (column, row) = table.TopLeft;
        var all = CellRange.At(column, row, width, table.Rows.Count);
        var styles = new List<CellStyle> { new() { Id = "cells", Border = "thin" } };
        var ranges = new List<StyleRange> { new(all.ToString(), "cells") };
        if (table.Header is not null)
        {
            styles.Add(new CellStyle { Id = "header", BackgroundColor = "#D9D9D9", FontWeight = "bold", HorizontalAlignment = "center", Border = "thin" });
            ranges.Add(new StyleRange(CellRange.At(column, row, width, 1).ToString(), "header"));
        }
        var columns = Enumerable.Range(0, width)
            .Where(c => table.Body.Count > 0 && table.Body.All(r => c < r.Count && Table.Number(r[c]) is not null))
            .Select(c => new ColumnFormat
            {
                Index = c,
                Format = table.Body.Any(r => Table.Number(r[c]) is { } v && v != Math.Floor(v)) ? "# ##0.00" : "# ##0",
            }).ToList();
        return new SpreadsheetAnswer
        {
            Text = (table.Header is not null ? "Заголовок — полужирный на светло-сером фоне (#D9D9D9), по центру; " : "")
                   + "тонкие границы у всех ячеек" + (columns.Count > 0 ? ", числа — с разделителем разрядов." : "."),
            Styles = styles,
            StyleRanges = ranges,
            Columns = columns.Count > 0 ? columns : null,
        };
    }

    private static SpreadsheetAnswer Chart(Table table, string query)
    {
        var type = ChartType(query);
        if (!table.Body.Any(r => r.Any(c => Table.Number(c) is not null)))
            return new SpreadsheetAnswer { Text = "В выделенном диапазоне нет чисел, поэтому диаграмму построить нельзя. Выделите таблицу с числовыми данными." };
        var width = table.Rows.Max(r => r.Count);
        var dataRange = CellRange.At(table.TopLeft.Column, table.TopLeft.Row, width, Math.Max(1, table.Rows.Count)).ToString();
        var seriesInRows = table.Body.Count > 0 && table.Body.All(r => r.Count > 0 && r[0].ValueKind == JsonValueKind.String);
        var typeName = type switch { "pie" => "круговая", "lineNormal" => "линейная", "scatter" => "точечная", _ => "столбчатая" };
        return new SpreadsheetAnswer
        {
            Text = $"Построена {typeName} диаграмма по диапазону {dataRange}" + (seriesInRows ? ", ряды — строки таблицы." : "."),
            Chart = new ChartSpec { Type = type, Title = Title(query), DataRange = dataRange, SeriesInRows = seriesInRows, Position = table.RightOf(1, 1) },
        };
    }

    private static string ChartType(string query)
    {
        var q = query.ToLowerInvariant();
        return q.Contains("круг") || q.Contains("pie") || q.Contains("дол") ? "pie"
            : q.Contains("линейн") || q.Contains("line") || q.Contains("динамик") || q.Contains("тренд") || q.Contains("во времени") ? "lineNormal"
            : q.Contains("точечн") || q.Contains("scatter") ? "scatter"
            : "bar";
    }

    private static SpreadsheetAnswer Histogram(Table table)
    {
        var values = table.Body.SelectMany(r => r.Select(Table.Number).OfType<double>()).ToList();
        if (values.Count < 2)
            return new SpreadsheetAnswer { Text = "Для гистограммы нужно хотя бы два числовых значения: выделите столбец с числами." };
        // Sturges' rule: enough bins to show the shape, few enough to read.
        var bins = Math.Clamp((int)Math.Ceiling(Math.Log2(values.Count) + 1), 1, 20);
        double min = values.Min(), max = values.Max();
        var width = max > min ? (max - min) / bins : 1;
        var counts = new int[bins];
        foreach (var v in values) counts[Math.Min(bins - 1, (int)((v - min) / width))]++;
        var output = new List<List<JsonElement>> { new() { Cell("Интервал"), Cell("Количество") } };
        for (var i = 0; i < bins; i++)
            output.Add([Cell($"{Show(min + i * width)} – {Show(min + (i + 1) * width)}"), Cell(counts[i])]);
        var outputRange = table.RightOf(2, output.Count);
        CellRange.TryParse(outputRange, out var placed);
        return new SpreadsheetAnswer
        {
            Text = $"Значений: {values.Count}, от {Show(min)} до {Show(max)}; интервалов: {bins} (правило Стёрджеса). Чаще всего значения попадают в интервал {output[1 + Array.IndexOf(counts, counts.Max())][0]}.",
            Table = output,
            OutputRange = outputRange,
            Chart = new ChartSpec { Type = "bar", Title = "Распределение значений", DataRange = outputRange, Position = CellRange.At(placed.LastColumn + 2, placed.FirstRow, 1, 1).ToString() },
        };
    }

    private static SpreadsheetAnswer Assist(string query)
    {
        var q = query.ToLowerInvariant();
        var text = q.Contains("средн") || q.Contains("average")
            ? "Среднее значение считает функция =AVERAGE(диапазон) (в русской локализации — СРЗНАЧ), например =AVERAGE(B2:B10)."
            : q.Contains("впр") || q.Contains("vlookup") || q.Contains("подстав")
                ? "Чтобы подставить значение из другой таблицы, используйте =VLOOKUP(искомое; таблица; номер_столбца; 0) (ВПР), например =VLOOKUP(A2; Лист2!A:B; 2; 0)."
                : q.Contains("сумм") || q.Contains("sum")
                    ? "Сумму диапазона считает функция =SUM(диапазон) (СУММ), например =SUM(B2:B10); с условием — =SUMIF(диапазон; условие; диапазон_суммирования)."
                    : "Опишите задачу над выделенными данными: например «посчитай среднее по столбцам», «построй диаграмму продаж» или «отсортируй по сумме». Для формул используйте английские имена функций: SUM, AVERAGE, VLOOKUP.";
        return new SpreadsheetAnswer { Text = text };
    }

    private static string Title(string query)
    {
        var title = query.Trim().TrimEnd('.', '!', '?');
        return title.Length <= 60 ? title : title[..57] + "...";
    }

    private static double Round(double value) => Math.Round(value, 2, MidpointRounding.AwayFromZero);
    private static string Show(double value) => Round(value).ToString("0.##", CultureInfo.GetCultureInfo("ru-RU"));
    /// <summary>A figure that overflowed (a sum of values near 1e308) has no JSON form; its cell stays empty.</summary>
    private static JsonElement Cell<T>(T value) => value is double d && !double.IsFinite(d)
        ? JsonSerializer.SerializeToElement<double?>(null, GigaOfficeJson.Options)
        : JsonSerializer.SerializeToElement(value, GigaOfficeJson.Options);

    /// <summary>The request's table with its header row told apart and its place on the sheet.</summary>
    private sealed class Table
    {
        public List<List<JsonElement>> Rows { get; private init; } = [];
        public List<JsonElement>? Header { get; private init; }
        public List<List<JsonElement>> Body { get; private init; } = [];
        public (int Column, int Row) TopLeft { get; private init; } = (1, 1);
        private int _lastColumn;

        public static Table From(RequestContext context)
        {
            var rows = context.InputData is { ValueKind: JsonValueKind.Array } data
                ? data.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.Array).Select(r => r.EnumerateArray().ToList()).ToList()
                : [];
            // A first row without numbers above rows with numbers is a header.
            var hasHeader = rows.Count > 1 && rows[0].All(c => Number(c) is null) && rows.Skip(1).Any(r => r.Any(c => Number(c) is not null));
            var width = rows.Count == 0 ? 1 : rows.Max(r => r.Count);
            var range = CellRange.TryParse(context.InputRange, out var r) ? r : CellRange.At(1, 1, width, Math.Max(1, rows.Count));
            return new Table
            {
                Rows = rows,
                Header = hasHeader ? rows[0] : null,
                Body = hasHeader ? rows[1..] : rows,
                TopLeft = (range.FirstColumn, range.FirstRow),
                _lastColumn = Math.Max(range.LastColumn, range.FirstColumn + width - 1),
            };
        }

        /// <summary>A place for the answer right of the input, one empty column between them.</summary>
        public string RightOf(int columns, int rows) => CellRange.At(Math.Min(CellRange.MaxColumn, _lastColumn + 2), TopLeft.Row, columns, rows).ToString();

        public string Label(List<JsonElement> row, int index) =>
            row.FirstOrDefault(c => c.ValueKind == JsonValueKind.String && Number(c) is null) is { ValueKind: JsonValueKind.String } label
                ? label.GetString()! : $"Строка {index + 1}";

        /// <summary>Numbers, and strings that are numbers in either notation ("1 234,5" or "1234.5").</summary>
        public static double? Number(JsonElement cell) => cell.ValueKind switch
        {
            JsonValueKind.Number => cell.GetDouble(),
            JsonValueKind.String when RawJsonText.CannotBeNumber(cell, exponent: true) => null,
            JsonValueKind.String when cell.GetString() is { Length: > 0 } s && !s.StartsWith('=')
                && double.TryParse(s.Replace(" ", "").Replace("\u00a0", "").Replace(',', '.'), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) => v,
            _ => null,
        };
    }
}
