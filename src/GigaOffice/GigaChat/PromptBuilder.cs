using System.Globalization;
using System.Text;
using System.Text.Json;
using GigaOffice.Prompts;
using GigaOffice.Requests;

namespace GigaOffice.GigaChat;

public sealed record BuiltPrompt(IReadOnlyList<ChatMessage> Messages, int EstimatedTokens, bool DataTruncated, int RowsSent, int RowsTotal);

/// <summary>
/// Builds the message list: the category's system prompt, its worked examples, then the user's
/// request with only the parts of the table the category needs (<see cref="RequiredTableInfo"/>):
/// headers, values, column statistics, styles.
/// <para>Trimming rule: when the table does not fit <c>GIGACHAT_MAX_TOKENS_PER_REQUEST</c>, the
/// model gets the header row, as many first rows as fit, and statistics of every column computed
/// over all rows (count, min, max, mean, sum); the prompt says how many rows were left out and the
/// answer is marked <c>data_truncated</c>.</para>
/// </summary>
public sealed class PromptBuilder
{
    /// <summary>
    /// Conservative estimate: GigaChat's tokenizer averages 3–4 characters per token on Russian
    /// text and about 2 on digits and punctuation, so counting 2 characters a token never undercounts
    /// by much. Used only to decide trimming; billing uses the API's own usage figures.
    /// </summary>
    public static int EstimateTokens(string text) => (text.Length + 1) / 2;

    public BuiltPrompt Build(CategoryInfo category, RequestContext request, int maxTokens)
    {
        var minimum = RequiredTableInfo.For(category.Name);
        var info = request.TableInfo is { } asked ? minimum.Union(asked) : minimum;

        var messages = new List<ChatMessage> { ChatMessage.System(category.SystemPrompt) };
        foreach (var example in category.Examples)
        {
            var exampleTable = SheetTable.From(example.InputData);
            messages.Add(ChatMessage.User(RenderUser(example.Query, example.InputRange, exampleTable, minimum, exampleTable.Rows.Count, withStats: minimum.NeedsColumnMetadata, styles: null)));
            messages.Add(ChatMessage.Assistant(example.Answer.Trim()));
        }
        var fixedTokens = messages.Sum(m => EstimateTokens(m.Content));

        var table = SheetTable.From(request.InputData);
        var styles = info.NeedsCellStyles || info.NeedsHeaderStyles ? RelevantStyles(request.InputStyles, table, request.InputRange, info) : null;
        var total = table.Rows.Count;
        var sent = total;
        var user = RenderUser(request.QueryText, request.InputRange, table, info, total, info.NeedsColumnMetadata, styles);
        if (fixedTokens + EstimateTokens(user) > maxTokens && info.NeedsCellValues && total > 1)
        {
            // Trimmed: the statistics of all rows stand in for the rows left out, if they fit.
            var withStats = table.Body.Count > 0;
            string Render(int count) => RenderUser(request.QueryText, request.InputRange, table, info, count, withStats, styles);
            if (withStats && fixedTokens + EstimateTokens(Render(1)) > maxTokens) withStats = false;
            int low = 1, high = total - 1;
            while (low < high)
            {
                var mid = (low + high + 1) / 2;
                if (fixedTokens + EstimateTokens(Render(mid)) <= maxTokens) low = mid; else high = mid - 1;
            }
            sent = low;
            user = Render(sent);
        }
        var estimate = fixedTokens + EstimateTokens(user);
        if (estimate > maxTokens)
            throw new GigaChatException("too_large",
                $"Запрос слишком большой для модели: около {estimate} токенов при лимите {maxTokens}. Сократите текст запроса или выделите меньший диапазон.",
                transient: false);
        messages.Add(ChatMessage.User(user));
        return new BuiltPrompt(messages, estimate, info.NeedsCellValues && sent < total, info.NeedsCellValues ? sent : 0, total);
    }

    private static string RenderUser(string query, string? range, SheetTable table, RequiredTableInfo info, int rowsToSend, bool withStats, string? styles)
    {
        var text = new StringBuilder();
        text.Append("Запрос: ").AppendLine(query.Trim());
        if (!string.IsNullOrWhiteSpace(range)) text.Append("Диапазон: ").AppendLine(range);
        if (table.Rows.Count > 0)
        {
            text.AppendLine(Invariant($"Размер выделения: {table.Rows.Count} строк × {table.Width} столбцов."));
            if (info.NeedsCellValues)
            {
                text.AppendLine("Таблица (JSON, по строке листа на строку):");
                foreach (var row in table.Rows.Take(rowsToSend))
                    text.AppendLine(JsonSerializer.Serialize(row, GigaOfficeJson.Options));
            }
            else if (info.NeedsColumnHeaders && table.Header is { } header)
            {
                text.Append("Заголовки столбцов (JSON): ").AppendLine(JsonSerializer.Serialize(header, GigaOfficeJson.Options));
                text.AppendLine("Значения ячеек не передаются: для этой задачи они не нужны.");
            }
            if (withStats && table.Body.Count > 0)
            {
                text.AppendLine(Invariant($"Статистика по столбцам (по всем {table.Body.Count} строкам данных):"));
                foreach (var line in ColumnStatistics(table, range)) text.Append("- ").AppendLine(line);
            }
            if (info.NeedsCellValues && rowsToSend < table.Rows.Count)
                text.AppendLine(Invariant($"Показаны первые {rowsToSend} из {table.Rows.Count} строк таблицы: остальные не поместились в лимит модели.")
                                + (withStats ? " Статистика выше посчитана по всем строкам." : ""));
        }
        if (styles is not null) text.Append("Оформление ячеек (JSON): ").AppendLine(styles);
        return text.ToString().TrimEnd();
    }

    /// <summary>One line per column: its letter, header, kind and figures.</summary>
    public static IEnumerable<string> ColumnStatistics(SheetTable table, string? range)
    {
        var firstColumn = CellRange.TryParse(range, out var r) ? r.FirstColumn : 1;
        for (var c = 0; c < table.Width; c++)
        {
            var cells = table.Body.Select(row => c < row.Count ? row[c] : default).ToList();
            var filled = cells.Where(x => x.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null)
                                          && !(x.ValueKind == JsonValueKind.String && string.IsNullOrWhiteSpace(x.GetString()))).ToList();
            var numbers = filled.Select(SheetTable.Number).OfType<double>().ToList();
            var name = table.Header is { } h && c < h.Count && h[c].ValueKind == JsonValueKind.String ? $" «{h[c].GetString()}»" : "";
            var head = $"{CellRange.ColumnName(firstColumn + c)}{name}";
            if (filled.Count == 0) { yield return $"{head}: пусто"; continue; }
            if (numbers.Count == filled.Count)
                yield return Invariant($"{head}: числа — заполнено {filled.Count} из {cells.Count}, мин {Show(numbers.Min())}, макс {Show(numbers.Max())}, среднее {Show(numbers.Average())}, сумма {Show(numbers.Sum())}");
            else if (numbers.Count > 0)
                yield return Invariant($"{head}: смешанный — заполнено {filled.Count} из {cells.Count}, чисел {numbers.Count} (мин {Show(numbers.Min())}, макс {Show(numbers.Max())}, сумма {Show(numbers.Sum())})");
            else
                yield return Invariant($"{head}: текст — заполнено {filled.Count} из {cells.Count}, различных значений {filled.Select(x => x.ToString()).Distinct().Count()}");
        }
    }

    /// <summary>The input's styles the category needs: all of them, or only those touching the header row.</summary>
    private static string? RelevantStyles(JsonElement? inputStyles, SheetTable table, string? range, RequiredTableInfo info)
    {
        if (inputStyles is not { ValueKind: JsonValueKind.Object } element) return null;
        var styles = element.Deserialize<InputStyles>(GigaOfficeJson.Options);
        if (styles?.StyleRanges is not { Count: > 0 } ranges) return null;
        if (!info.NeedsCellStyles)
        {
            if (table.Header is null || !CellRange.TryParse(range, out var input)) return null;
            ranges = ranges.Where(s => CellRange.TryParse(s.Range, out var sr) && sr.FirstRow <= input.FirstRow && sr.LastRow >= input.FirstRow).ToList();
            if (ranges.Count == 0) return null;
        }
        var used = ranges.Select(s => s.Style).ToHashSet();
        return JsonSerializer.Serialize(new InputStyles(styles.Styles?.Where(s => used.Contains(s.Id)).ToList(), ranges), GigaOfficeJson.Options);
    }

    private static string Show(double value) => Math.Round(value, 2, MidpointRounding.AwayFromZero).ToString("0.##", CultureInfo.InvariantCulture);
    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The request's table, with its header row told apart.</summary>
public sealed class SheetTable
{
    public List<List<JsonElement>> Rows { get; private init; } = [];
    public List<JsonElement>? Header { get; private init; }
    public List<List<JsonElement>> Body => Header is null ? Rows : Rows.Skip(1).ToList();
    public int Width => Rows.Count == 0 ? 0 : Rows.Max(r => r.Count);

    public static SheetTable From(JsonElement? data)
    {
        var rows = data is { ValueKind: JsonValueKind.Array } array
            ? array.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.Array).Select(r => r.EnumerateArray().ToList()).ToList()
            : [];
        // A first row of text above rows with numbers is a header; so is a lone row of text (a table to be filled).
        var firstIsText = rows.Count > 0 && rows[0].Count > 0 && rows[0].All(c => c.ValueKind == JsonValueKind.String && Number(c) is null);
        var hasHeader = firstIsText && (rows.Count == 1 || rows.Skip(1).Any(r => r.Any(c => Number(c) is not null)));
        return new SheetTable { Rows = rows, Header = hasHeader ? rows[0] : null };
    }

    /// <summary>Numbers, and strings that are whole numbers in either notation ("1 234,5" or "1234.5").</summary>
    public static double? Number(JsonElement cell) => cell.ValueKind switch
    {
        JsonValueKind.Number => cell.GetDouble(),
        JsonValueKind.String when CellRepairs.TryParseNumber(cell.GetString()!, out var v) => v,
        _ => null,
    };
}
