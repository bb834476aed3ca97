using GigaOffice.Answers;
using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using GigaOffice.Prompts;
using GigaOffice.Requests;

namespace GigaOffice.GigaChat;

public sealed record BuiltPrompt(IReadOnlyList<ChatMessage> Messages, int EstimatedTokens, bool DataTruncated, int RowsSent, int RowsTotal)
{
    /// <summary>The estimate of the prompt with every row of the table, trimmed or not.</summary>
    public int UntrimmedTokens { get; init; }
    /// <summary>GigaChat's own count (POST /tokens/count), when the prompt was near the limit and measured.</summary>
    public int? MeasuredTokens { get; init; }
}

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
    public static int EstimateTokens(string text) => EstimateTokens(text.Length);

    private static int EstimateTokens(int length) => (length + 1) / 2;

    public BuiltPrompt Build(CategoryInfo category, RequestContext request, int maxTokens)
    {
        var minimum = RequiredTableInfo.For(category.Name);
        var info = request.TableInfo is { } asked ? minimum.Union(asked) : minimum;

        var messages = new List<ChatMessage> { ChatMessage.System(category.SystemPrompt) };
        foreach (var example in category.Examples)
        {
            var exampleTable = SheetTable.From(example.InputData);
            var exampleMessage = new UserMessage(example.Query, example.InputRange, exampleTable, minimum, styles: null);
            messages.Add(ChatMessage.User(exampleMessage.Render(exampleTable.Rows.Count, withStats: minimum.NeedsColumnMetadata)));
            messages.Add(ChatMessage.Assistant(example.Answer.Trim()));
        }
        var fixedTokens = messages.Sum(m => EstimateTokens(m.Content));

        var table = SheetTable.From(request.InputData);
        var styles = info.NeedsCellStyles || info.NeedsHeaderStyles ? RelevantStyles(request.InputStyles, table, request.InputRange, info) : null;
        var user = new UserMessage(request.QueryText, request.InputRange, table, info, styles)
        {
            Columns = ColumnLines(ColumnInfo.From(request.InputStyles), table, category.Name),
        };
        var total = table.Rows.Count;
        var sent = total;
        var withStats = info.NeedsColumnMetadata;
        bool Fits(int rows) => fixedTokens + EstimateTokens(user.Length(rows, withStats)) <= maxTokens;
        if (!Fits(total) && info.NeedsCellValues && total > 1)
        {
            // Trimmed: the statistics of all rows stand in for the rows left out, if they fit.
            withStats = table.Body.Count > 0;
            if (withStats && !Fits(1)) withStats = false;
            int low = 1, high = total - 1;
            while (low < high)
            {
                var mid = (low + high + 1) / 2;
                if (Fits(mid)) low = mid; else high = mid - 1;
            }
            sent = low;
        }
        var estimate = fixedTokens + EstimateTokens(user.Length(sent, withStats));
        if (estimate > maxTokens)
            throw new GigaChatException("too_large",
                $"Запрос слишком большой для модели: около {estimate} токенов при лимите {maxTokens}. Сократите текст запроса или выделите меньший диапазон.",
                transient: false);
        messages.Add(ChatMessage.User(user.Render(sent, withStats)));
        return new BuiltPrompt(messages, estimate, info.NeedsCellValues && sent < total, info.NeedsCellValues ? sent : 0, total)
        {
            UntrimmedTokens = sent == total ? estimate : fixedTokens + EstimateTokens(user.Length(total, info.NeedsColumnMetadata)),
        };
    }

    /// <summary>
    /// The user's message for any number of the table's first rows. Trimming a large table to the
    /// budget asks for its length a dozen times; rendering each try in full, statistics included,
    /// allocated 50–65 MB for a 2 MB table (docs/BENCHMARKS.md, change 38). So a length is counted
    /// from the parts: each row's JSON measured once without making a string, the statistics
    /// computed once. Only the message sent is rendered.
    /// </summary>
    private sealed class UserMessage(string query, string? range, SheetTable table, RequiredTableInfo info, string? styles)
    {
        private static readonly JsonWriterOptions RowWriterOptions = new()
        {
            Encoder = GigaOfficeJson.Options.Encoder, Indented = GigaOfficeJson.Options.WriteIndented,
        };

        /// <summary>The client's column descriptions, already rendered: short, so written as they are.</summary>
        public IReadOnlyList<string> Columns { get; init; } = [];

        private readonly int[] _rowLengths = new int[table.Rows.Count]; // 0: not measured yet (a row is at least "[]")
        private List<string>? _statistics;
        private readonly ArrayBufferWriter<byte> _rowBuffer = new();
        private Utf8JsonWriter? _rowWriter;

        public string Render(int rowsToSend, bool withStats)
        {
            var text = new TextSink(new StringBuilder());
            Write(text, rowsToSend, withStats);
            return text.Builder!.ToString().TrimEnd();
        }

        /// <summary>The length of <see cref="Render"/>'s text.</summary>
        public int Length(int rowsToSend, bool withStats)
        {
            var length = new TextSink(null) { RowLength = RowLength };
            Write(length, rowsToSend, withStats);
            return length.Length - length.TrailingWhiteSpace;
        }

        private void Write(TextSink text, int rowsToSend, bool withStats)
        {
            text.Append("Запрос: ").AppendLine(query.Trim());
            if (!string.IsNullOrWhiteSpace(range)) text.Append("Диапазон: ").AppendLine(range);
            if (table.Rows.Count > 0)
            {
                text.AppendLine(Invariant($"Размер выделения: {table.Rows.Count} строк × {table.Width} столбцов."));
                if (info.NeedsCellValues)
                {
                    text.AppendLine("Таблица (JSON, по строке листа на строку):");
                    for (var i = 0; i < Math.Min(rowsToSend, table.Rows.Count); i++) text.AppendRow(table.Rows[i], i);
                }
                else if (info.NeedsColumnHeaders && table.Header is { } header)
                {
                    text.Append("Заголовки столбцов (JSON): ").AppendLine(JsonSerializer.Serialize(header, GigaOfficeJson.Options));
                    text.AppendLine("Значения ячеек не передаются: для этой задачи они не нужны.");
                }
                if (withStats && table.Body.Count > 0)
                {
                    text.AppendLine(Invariant($"Статистика по столбцам (по всем {table.Body.Count} строкам данных):"));
                    foreach (var line in _statistics ??= ColumnStatistics(table, range).ToList()) text.Append("- ").AppendLine(line);
                }
                if (info.NeedsCellValues && rowsToSend < table.Rows.Count)
                    text.AppendLine(Invariant($"Показаны первые {rowsToSend} из {table.Rows.Count} строк таблицы: остальные не поместились в лимит модели.")
                                    + (withStats ? " Статистика выше посчитана по всем строкам." : ""));
            }
            foreach (var line in Columns) text.AppendLine(line);
            if (styles is not null) text.Append("Оформление ячеек (JSON): ").AppendLine(styles);
        }

        private int RowLength(int index)
        {
            if (_rowLengths[index] > 0) return _rowLengths[index];
            _rowBuffer.ResetWrittenCount();
            if (_rowWriter is null) _rowWriter = new Utf8JsonWriter(_rowBuffer, RowWriterOptions);
            else _rowWriter.Reset(_rowBuffer);
            JsonSerializer.Serialize(_rowWriter, table.Rows[index], GigaOfficeJson.Options);
            _rowWriter.Flush();
            return _rowLengths[index] = Encoding.UTF8.GetCharCount(_rowBuffer.WrittenSpan);
        }
    }

    /// <summary>
    /// Where <see cref="UserMessage"/> writes: a builder, or only a count of characters. A row's JSON
    /// ends with "]", so only the other parts can leave whitespace for the final TrimEnd.
    /// </summary>
    private sealed class TextSink(StringBuilder? builder)
    {
        public StringBuilder? Builder { get; } = builder;
        public Func<int, int>? RowLength { get; init; }
        public int Length { get; private set; }
        public int TrailingWhiteSpace { get; private set; }

        public TextSink Append(string value)
        {
            Builder?.Append(value);
            Length += value.Length;
            var end = value.Length;
            while (end > 0 && char.IsWhiteSpace(value[end - 1])) end--;
            TrailingWhiteSpace = end == 0 ? TrailingWhiteSpace + value.Length : value.Length - end;
            return this;
        }

        public TextSink AppendLine(string value) => Append(value).Append(Environment.NewLine);

        public void AppendRow(List<JsonElement> row, int index)
        {
            if (Builder is null)
            {
                Length += RowLength!(index);
                TrailingWhiteSpace = 0;
                Append(Environment.NewLine);
            }
            else AppendLine(JsonSerializer.Serialize(row, GigaOfficeJson.Options));
        }
    }

    /// <summary>One line per column: its letter, header, kind and figures.</summary>
    public static IEnumerable<string> ColumnStatistics(SheetTable table, string? range)
    {
        var firstColumn = CellRange.TryParse(range, out var r) ? r.FirstColumn : 1;
        var body = table.Body;
        // Sized once for the longest column and cleared for each: grown anew per column, the set's
        // arrays were most of what the statistics allocated (change 40).
        var numbers = new List<double>(body.Count);
        var texts = new HashSet<CellText>(body.Count, CellText.Comparer); // kept only while no number is seen
        for (var c = 0; c < table.Width; c++)
        {
            // One pass per column, each cell's text read once: a 20,000-cell table of text read it three times.
            var filled = 0;
            numbers.Clear();
            texts.Clear();
            foreach (var row in body)
            {
                if (c >= row.Count || row[c].ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) continue;
                var cell = row[c];
                if (cell.ValueKind == JsonValueKind.String && CellText.Of(cell).IsBlank) continue;
                filled++;
                if (SheetTable.Number(cell) is { } number) numbers.Add(number);
                else if (numbers.Count == 0) texts.Add(CellText.Of(cell));
            }
            var name = table.Header is { } h && c < h.Count && h[c].ValueKind == JsonValueKind.String ? $" «{h[c].GetString()}»" : "";
            var head = $"{CellRange.ColumnName(firstColumn + c)}{name}";
            if (filled == 0) { yield return $"{head}: пусто"; continue; }
            if (numbers.Count == filled)
                yield return Invariant($"{head}: числа — заполнено {filled} из {body.Count}, мин {Show(numbers.Min())}, макс {Show(numbers.Max())}, среднее {Show(numbers.Average())}, сумма {Show(numbers.Sum())}");
            else if (numbers.Count > 0)
                yield return Invariant($"{head}: смешанный — заполнено {filled} из {body.Count}, чисел {numbers.Count} (мин {Show(numbers.Min())}, макс {Show(numbers.Max())}, сумма {Show(numbers.Sum())})");
            else
                yield return Invariant($"{head}: текст — заполнено {filled} из {body.Count}, различных значений {texts.Count}");
        }
    }

    /// <summary>
    /// Column descriptions a client sent (upstream API): each column's index, header, cells, format and
    /// statistics over all its values. Chart and histogram clients send these instead of the values,
    /// so the model is told to work from them (a histogram counts with COUNTIFS over the column's cells).
    /// </summary>
    private static List<string> ColumnLines(List<ColumnInfo>? columns, SheetTable table, string category)
    {
        if (columns is not { Count: > 0 }) return [];
        var lines = new List<string> { "Столбцы (JSON: индекс в диапазоне, заголовок, ячейки на листе, формат, статистика по всем значениям):" };
        lines.AddRange(columns.Select(c => JsonSerializer.Serialize(c, GigaOfficeJson.Options)));
        if (table.Rows.Count == 0)
        {
            lines.Add("Значения ячеек не передаются: опирайся на диапазоны, форматы и статистику столбцов.");
            if (category == "data-histogram")
                lines.Add("Интервалы выбери по минимуму, максимуму и числу значений; количество в интервале запиши формулой по ячейкам столбца, например =COUNTIFS(B2:B100,\">=0\",B2:B100,\"<10\").");
        }
        return lines;
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
    /// <summary>The rows below the header.</summary>
    public List<List<JsonElement>> Body { get; private init; } = [];
    public int Width { get; private init; }

    public static SheetTable From(JsonElement? data)
    {
        var rows = data is { ValueKind: JsonValueKind.Array } array
            ? array.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.Array).Select(r => r.EnumerateArray().ToList()).ToList()
            : [];
        // A first row of text above rows with numbers is a header; so is a lone row of text (a table to be filled).
        var firstIsText = rows.Count > 0 && rows[0].Count > 0 && rows[0].All(c => c.ValueKind == JsonValueKind.String && Number(c) is null);
        var hasHeader = firstIsText && (rows.Count == 1 || rows.Skip(1).Any(r => r.Any(c => Number(c) is not null)));
        return new SheetTable
        {
            Rows = rows,
            Header = hasHeader ? rows[0] : null,
            Body = hasHeader ? rows[1..] : rows,
            Width = rows.Count == 0 ? 0 : rows.Max(r => r.Count),
        };
    }

    /// <summary>Numbers, and strings that are whole numbers in either notation ("1 234,5" or "1234.5").</summary>
    public static double? Number(JsonElement cell) => cell.ValueKind switch
    {
        JsonValueKind.Number => cell.GetDouble(),
        JsonValueKind.String when RawJsonText.CannotBeNumber(cell, exponent: false) => null,
        JsonValueKind.String when CellRepairs.TryParseNumber(cell.GetString()!, out var v) => v,
        _ => null,
    };
}
