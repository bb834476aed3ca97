using System.Text;
using System.Text.Json;
using GigaOffice.Prompts;

namespace GigaOffice.GigaChat;

public sealed record BuiltPrompt(IReadOnlyList<ChatMessage> Messages, int EstimatedTokens, bool DataTruncated, int RowsSent, int RowsTotal);

/// <summary>
/// Builds the message list: the category's system prompt, its worked examples, then the user's
/// request with the table in compact JSON. Tables that would not fit the token budget are cut
/// to their first rows (the header row is always kept) and the answer is marked as partial.
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
        var messages = new List<ChatMessage> { ChatMessage.System(category.SystemPrompt) };
        foreach (var example in category.Examples)
        {
            messages.Add(ChatMessage.User(RenderUser(example.Query, example.InputRange, example.InputData, note: null)));
            messages.Add(ChatMessage.Assistant(example.Answer.Trim()));
        }
        var fixedTokens = messages.Sum(m => EstimateTokens(m.Content));

        var rows = request.InputData is { ValueKind: JsonValueKind.Array } data ? data.EnumerateArray().ToList() : [];
        var sent = rows.Count;
        string user = RenderUser(request.QueryText, request.InputRange, request.InputData, note: null);
        if (fixedTokens + EstimateTokens(user) > maxTokens && rows.Count > 1)
        {
            // Binary search for the largest prefix of rows that fits.
            int low = 1, high = rows.Count - 1;
            while (low < high)
            {
                var mid = (low + high + 1) / 2;
                if (fixedTokens + EstimateTokens(RenderTrimmed(request, rows, mid)) <= maxTokens) low = mid; else high = mid - 1;
            }
            sent = low;
            user = RenderTrimmed(request, rows, sent);
        }
        var total = fixedTokens + EstimateTokens(user);
        if (total > maxTokens)
            throw new GigaChatException("too_large",
                $"Запрос слишком большой для модели: около {total} токенов при лимите {maxTokens}. Сократите текст запроса или выделите меньший диапазон.",
                transient: false);
        messages.Add(ChatMessage.User(user));
        return new BuiltPrompt(messages, total, sent < rows.Count, sent, rows.Count);
    }

    private static string RenderTrimmed(RequestContext request, List<JsonElement> rows, int count)
    {
        var subset = JsonSerializer.SerializeToElement(rows.Take(count), GigaOfficeJson.Options);
        return RenderUser(request.QueryText, request.InputRange, subset,
            note: $"Показаны первые {count} из {rows.Count} строк таблицы: остальные не поместились в лимит модели.");
    }

    private static string RenderUser(string query, string? range, JsonElement? data, string? note)
    {
        var text = new StringBuilder();
        text.Append("Запрос: ").AppendLine(query.Trim());
        if (!string.IsNullOrWhiteSpace(range)) text.Append("Диапазон: ").AppendLine(range);
        if (data is { ValueKind: JsonValueKind.Array } table && table.GetArrayLength() > 0)
        {
            text.AppendLine("Таблица (JSON, массив строк):");
            // One row per line: compact, yet the model sees the row structure.
            foreach (var row in table.EnumerateArray())
                text.AppendLine(JsonSerializer.Serialize(row, GigaOfficeJson.Options));
        }
        if (note is not null) text.AppendLine(note);
        return text.ToString().TrimEnd();
    }
}
