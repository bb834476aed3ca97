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

/// <summary>Who chose a request's category; stored with the request and counted in <c>/api/metrics</c>.</summary>
public static class ClassificationSource
{
    /// <summary>The offline classifier (stems, keywords, table shape, trained model), no GigaChat call.</summary>
    public const string Offline = "offline";
    /// <summary>A separate classification call to GigaChat.</summary>
    public const string Model = "model";
    /// <summary>
    /// The answering call chose it by calling one of the offered answer functions (GigaChat function
    /// calling with <c>function_call: "auto"</c>). Reserved for that path: nothing sets it yet.
    /// </summary>
    public const string Function = "function";
    /// <summary>The client named the category.</summary>
    public const string Client = "client";
}

/// <summary>A category the offline classifier considers possible, with its calibrated probability.</summary>
public sealed record CategoryCandidate(string Category, double Probability);

/// <summary>The category chosen for a request, a one-line plan shown to the user, and the table parts the model needs.</summary>
public sealed record Classification(
    string Category, string DisplayName, double Confidence, string TextContent, RequiredTableInfo RequiredTableInfo)
{
    /// <summary>"offline", "model" or "function" (see <see cref="ClassificationSource"/>).</summary>
    public string Source { get; init; } = ClassificationSource.Offline;

    /// <summary>
    /// The plausible categories by the offline classifier, most likely first, their probabilities
    /// adding up to at least 0.95 (at most four). The seam for letting the answering call choose
    /// among the answer functions of these categories instead of a separate classification call.
    /// </summary>
    public IReadOnlyList<CategoryCandidate> Candidates { get; init; } = [];

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
