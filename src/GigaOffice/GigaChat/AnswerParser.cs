using System.Text.Json;
using System.Text.RegularExpressions;
using GigaOffice.Requests;

namespace GigaOffice.GigaChat;

public sealed record ParsedAnswer(SpreadsheetAnswer? Answer, string? FailureReason)
{
    public bool Success => Answer is not null;
}

/// <summary>
/// Turns the model's text into a <see cref="SpreadsheetAnswer"/>. Models wrap JSON in fences or
/// chat around it, so every JSON object in the text is tried in turn; the first one that
/// validates wins. An answer that cannot be used is a failure, never an empty success.
/// </summary>
public sealed partial class AnswerParser
{
    public const int MaxRows = 1000;
    public const int MaxColumns = 50;

    public ParsedAnswer Parse(string content, string resultKind)
    {
        if (string.IsNullOrWhiteSpace(content)) return new(null, "модель вернула пустой ответ");
        string? lastReason = null;
        foreach (var candidate in Candidates(content))
        {
            SpreadsheetAnswer? answer;
            try
            {
                answer = JsonSerializer.Deserialize<SpreadsheetAnswer>(candidate, GigaOfficeJson.Options);
            }
            catch (JsonException ex)
            {
                lastReason = $"ответ не является корректным JSON ({ex.Message})";
                continue;
            }
            if (answer is null) continue;
            lastReason = Validate(answer, resultKind);
            if (lastReason is null) return new(answer, null);
        }
        // A plain-text answer is fine where text is all the category produces.
        if (resultKind == "text" && lastReason is null && !content.TrimStart().StartsWith('{'))
            return new(new SpreadsheetAnswer { Text = content.Trim() }, null);
        return new(null, lastReason ?? "в ответе модели нет JSON-объекта с результатом");
    }

    private static string? Validate(SpreadsheetAnswer answer, string resultKind)
    {
        if (answer.Table is { } table)
        {
            if (table.Count > MaxRows) return $"таблица ответа длиннее {MaxRows} строк";
            if (table.Any(r => r is null)) return "строка таблицы ответа пуста";
            if (table.Any(r => r.Count > MaxColumns)) return $"таблица ответа шире {MaxColumns} столбцов";
            if (table.SelectMany(r => r).Any(c => c.ValueKind is JsonValueKind.Object or JsonValueKind.Array))
                return "ячейка таблицы ответа содержит вложенный объект";
        }
        if (answer.OutputRange is { } range && !CellRange.TryParse(range, out _))
            return $"неверный диапазон вывода \"{range}\"";
        if (answer.Chart is { } chart)
        {
            if (string.IsNullOrWhiteSpace(chart.Type)) return "у диаграммы не указан тип";
            if (chart.DataRange is { } data && !CellRange.TryParse(data, out _)) return $"неверный диапазон данных диаграммы \"{data}\"";
            if (chart.Position is { } pos && !CellRange.TryParse(pos, out _)) return $"неверная позиция диаграммы \"{pos}\"";
        }
        return resultKind switch
        {
            "table" when answer.Table is not { Count: > 0 } => "в ответе нет таблицы",
            "chart" when answer.Chart is null => "в ответе нет описания диаграммы",
            "text" when string.IsNullOrWhiteSpace(answer.Text) => "в ответе нет текста",
            _ => null,
        };
    }

    /// <summary>The whole text, then fenced blocks, then every balanced top-level {...}.</summary>
    private static IEnumerable<string> Candidates(string content)
    {
        var trimmed = content.Trim();
        if (trimmed.StartsWith('{')) yield return trimmed;
        foreach (Match fence in FencePattern().Matches(content))
            yield return fence.Groups[1].Value.Trim();
        foreach (var obj in BalancedObjects(content))
            if (obj != trimmed) yield return obj;
    }

    private static IEnumerable<string> BalancedObjects(string text)
    {
        for (var start = text.IndexOf('{'); start >= 0; start = text.IndexOf('{', start + 1))
        {
            int depth = 0;
            bool inString = false, escaped = false;
            for (var i = start; i < text.Length; i++)
            {
                var ch = text[i];
                if (inString)
                {
                    if (escaped) escaped = false;
                    else if (ch == '\\') escaped = true;
                    else if (ch == '"') inString = false;
                    continue;
                }
                if (ch == '"') inString = true;
                else if (ch == '{') depth++;
                else if (ch == '}' && --depth == 0)
                {
                    yield return text[start..(i + 1)];
                    start = i; // continue after this object
                    break;
                }
            }
        }
    }

    [GeneratedRegex(@"```(?:json|JSON)?\s*(.*?)```", RegexOptions.Singleline)]
    private static partial Regex FencePattern();
}
