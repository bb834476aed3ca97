namespace GigaOffice.Prompts;

/// <summary>Which parts of the table the model needs to see for a category.</summary>
public sealed record RequiredTableInfo(
    bool NeedsColumnHeaders, bool NeedsHeaderStyles, bool NeedsCellValues, bool NeedsCellStyles, bool NeedsColumnMetadata)
{
    public static RequiredTableInfo For(string category) => category switch
    {
        "spreadsheet-formatting" => new(true, true, true, true, false),
        "spreadsheet-generation" => new(true, false, false, false, false),
        "spreadsheet-assistance" or "uncertain" => new(true, false, false, false, false),
        "data-histogram" or "spreadsheet-analysis" => new(true, false, true, false, true),
        _ => new(true, false, true, false, false),
    };

    /// <summary>Everything either side asks for: the model may ask for more than a category's minimum, never less.</summary>
    public RequiredTableInfo Union(RequiredTableInfo other) => new(
        NeedsColumnHeaders || other.NeedsColumnHeaders, NeedsHeaderStyles || other.NeedsHeaderStyles,
        NeedsCellValues || other.NeedsCellValues, NeedsCellStyles || other.NeedsCellStyles,
        NeedsColumnMetadata || other.NeedsColumnMetadata);
}

public static class ClassificationSource
{
    public const string Keyword = "keyword";
    public const string Model = "model";
}

/// <summary>The category chosen for a request, a one-line plan shown to the user, and the table parts the model needs.</summary>
public sealed record Classification(
    string Category, string DisplayName, double Confidence, string TextContent, RequiredTableInfo RequiredTableInfo)
{
    /// <summary>"model" (GigaChat classified) or "keyword" (the local classifier, also the fallback).</summary>
    public string Source { get; init; } = ClassificationSource.Keyword;
}

/// <summary>
/// Classifies a request by keyword stems kept with each category in the database. It needs no
/// network, so it serves the dry-run mode and is the fallback when the model's answer is unusable.
/// </summary>
public sealed class KeywordClassifier
{
    public Classification Classify(PromptSnapshot prompts, string queryText, string? inputRange, bool hasData)
    {
        var text = " " + queryText.ToLowerInvariant().Replace('ё', 'е') + " ";
        var scored = prompts.Categories
            .Where(c => c.IsActive)
            .Select(c => (Category: c, Score: c.Keywords.Where(k => text.Contains(k.Replace('ё', 'е'))).Sum(k => 1 + k.Length / 8.0)))
            .OrderByDescending(s => s.Score).ThenBy(s => s.Category.SortOrder)
            .ToList();

        CategoryInfo? chosen;
        double confidence;
        if (scored.Count == 0 || scored[0].Score <= 0)
        {
            // Nothing matched: with a table the user most likely wants it looked at, without one a consultation.
            chosen = prompts.Find(hasData ? "spreadsheet-analysis" : "spreadsheet-assistance") ?? scored.FirstOrDefault().Category;
            confidence = 0.3;
        }
        else
        {
            chosen = scored[0].Category;
            var second = scored.Count > 1 ? scored[1].Score : 0;
            confidence = Math.Round(Math.Clamp(0.55 + 0.15 * scored[0].Score - 0.2 * second, 0.35, 0.95), 2);
        }
        if (chosen is null) throw new InvalidOperationException("No active prompt category is configured.");
        return new Classification(chosen.Name, chosen.DisplayName, confidence,
            Plan(chosen.Name, inputRange), RequiredTableInfo.For(chosen.Name));
    }

    /// <summary>A one-line plan shown to the user before the answer arrives.</summary>
    public static string Plan(string category, string? inputRange)
    {
        var where = string.IsNullOrWhiteSpace(inputRange) ? "выбранных данных" : $"диапазона {inputRange}";
        return category switch
        {
            "spreadsheet-analysis" => $"Проанализирую данные {where}: посчитаю итоги, средние значения и тренд по каждой строке.",
            "spreadsheet-generation" => "Сформирую новую таблицу по описанию и вставлю её на лист.",
            "spreadsheet-transformation" => $"Преобразую данные {where} и верну таблицу в новом виде.",
            "spreadsheet-search" => $"Найду в данных {where} строки, подходящие под условие запроса.",
            "spreadsheet-formatting" => $"Подберу оформление для {where}.",
            "data-chart" => $"Построю диаграмму по данным {where}.",
            "data-histogram" => $"Построю гистограмму распределения значений {where}.",
            "spreadsheet-assistance" => "Отвечу на вопрос о работе с таблицами.",
            _ => "Запрос не похож на задачу для таблицы; попробую ответить текстом.",
        };
    }
}
