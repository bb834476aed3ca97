using System.Text.Json;
using System.Text.Json.Nodes;

namespace GigaOffice.Answers;

/// <summary>
/// One GigaChat function of the answer contract: its name, a Russian description the model reads,
/// the JSON Schema of its arguments and the category whose answer it carries.
/// </summary>
public sealed record AnswerFunction(string Name, string Category, string Kind, string Description, JsonObject Parameters)
{
    /// <summary>The element of a request's <c>functions</c> array.</summary>
    public JsonObject ToWire() => new()
    {
        ["name"] = Name,
        ["description"] = Description,
        ["parameters"] = Parameters.DeepClone(),
    };
}

/// <summary>
/// Structured output through GigaChat function calling. Every category has a function of its own
/// (its name tells the category), whose arguments follow the schema of the category's answer kind:
/// a table, styles, a chart, or text. A worker forces the category's function
/// (<c>function_call: {"name": …}</c>) where the category needs structure; a classifier may offer
/// the functions of several categories at once (<see cref="For"/>, <c>function_call: "auto"</c>)
/// and learn the category from the function the model called (<see cref="CategoryOf"/>).
/// </summary>
public static class AnswerFunctions
{
    // Cells are typed as strings: a schema of one type per field is what function calling APIs
    // accept everywhere, and the table reader turns numbers written as text back into numbers.
    private const string TableSchema = """
        {"type": "object", "properties": {
          "text": {"type": "string", "description": "Короткое пояснение для пользователя на русском языке"},
          "output_range": {"type": "string", "description": "Диапазон листа для таблицы в нотации A1, например F1:H4; размер равен размеру table"},
          "table": {"type": "array", "description": "Строки таблицы; первая строка — заголовки. Числа — числами (1234.5), формулы — строками с '=' и английскими именами функций",
                    "items": {"type": "array", "items": {"type": "string", "description": "Значение ячейки: число (1234.5), текст или формула (=SUM(B2:B4)); пустая ячейка — пустая строка"}}},
          "columns": {"type": "array", "description": "Числовые форматы столбцов таблицы",
                      "items": {"type": "object", "properties": {"index": {"type": "integer"}, "format": {"type": "string"}}, "required": ["index"]}}
        }, "required": ["text", "table"]}
        """;

    private const string StylesSchema = """
        {"type": "object", "properties": {
          "text": {"type": "string", "description": "Что изменено в оформлении"},
          "styles": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "background_color": {"type": "string", "description": "#RRGGBB"}, "font_color": {"type": "string", "description": "#RRGGBB"},
            "font_weight": {"type": "string", "enum": ["bold", "normal"]}, "font_style": {"type": "string", "enum": ["italic", "normal"]},
            "font_size": {"type": "number"}, "horizontal_alignment": {"type": "string", "enum": ["left", "center", "right", "justify"]},
            "vertical_alignment": {"type": "string", "enum": ["top", "center", "bottom"]}, "border": {"type": "string", "enum": ["none", "thin", "medium", "thick"]}
          }, "required": ["id"]}},
          "style_ranges": {"type": "array", "description": "Какой стиль на какой диапазон выделения (A1)",
                           "items": {"type": "object", "properties": {"range": {"type": "string"}, "style": {"type": "string"}}, "required": ["range", "style"]}},
          "columns": {"type": "array", "items": {"type": "object", "properties": {"index": {"type": "integer"}, "format": {"type": "string"}}, "required": ["index"]}}
        }, "required": ["text", "styles", "style_ranges"]}
        """;

    private const string ChartSchema = """
        {"type": "object", "properties": {
          "text": {"type": "string", "description": "Что показывает диаграмма"},
          "output_range": {"type": "string", "description": "Диапазон для таблицы частот (только гистограмма)"},
          "table": {"type": "array", "description": "Таблица частот (только гистограмма): интервал и количество",
                    "items": {"type": "array", "items": {"type": "string", "description": "Интервал или количество"}}},
          "chart": {"type": "object", "properties": {
            "type": {"type": "string", "description": "Тип диаграммы ONLYOFFICE: bar, horizontalBar, lineNormal, pie, doughnut, scatter, area, barStacked"},
            "title": {"type": "string"}, "data_range": {"type": "string", "description": "Диапазон данных в нотации A1 с подписями"},
            "series_in_rows": {"type": "boolean"}, "position": {"type": "string", "description": "Ячейка левого верхнего угла диаграммы"}
          }, "required": ["type", "data_range"]}
        }, "required": ["text", "chart"]}
        """;

    private const string TextSchema = """
        {"type": "object", "properties": {"text": {"type": "string", "description": "Ответ пользователю на русском языке"}}, "required": ["text"]}
        """;

    /// <summary>Every function, one per category, in the catalog's order.</summary>
    public static IReadOnlyList<AnswerFunction> All { get; } =
    [
        Define("spreadsheet_generation", "spreadsheet-generation", "table", "Записать на лист новую таблицу, созданную по запросу пользователя"),
        Define("spreadsheet_analysis", "spreadsheet-analysis", "table", "Записать результат анализа выделенных данных: выводы и таблицу итогов"),
        Define("spreadsheet_transformation", "spreadsheet-transformation", "table", "Записать преобразованную таблицу (сортировка, фильтр, транспонирование, вычисляемые столбцы)"),
        Define("spreadsheet_search", "spreadsheet-search", "table", "Записать найденные в выделении строки"),
        Define("spreadsheet_formatting", "spreadsheet-formatting", "styles", "Применить оформление к выделенным ячейкам: стили и форматы чисел"),
        Define("data_chart", "data-chart", "chart", "Вставить диаграмму по выделенным данным"),
        Define("data_histogram", "data-histogram", "chart", "Записать таблицу частот и вставить по ней гистограмму"),
        Define("spreadsheet_assistance", "spreadsheet-assistance", "text", "Ответить текстом на вопрос о работе с таблицами"),
        Define("not_a_spreadsheet_task", "uncertain", "text", "Запрос не относится к работе с таблицами: коротко объяснить это пользователю"),
    ];

    private static readonly Dictionary<string, AnswerFunction> ByName = All.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);
    private static readonly Dictionary<string, AnswerFunction> ByCategory = All.ToDictionary(f => f.Category, StringComparer.Ordinal);

    private static AnswerFunction Define(string name, string category, string kind, string description)
    {
        var schema = kind switch { "table" => TableSchema, "styles" => StylesSchema, "chart" => ChartSchema, _ => TextSchema };
        return new AnswerFunction(name, category, kind, description, JsonNode.Parse(schema)!.AsObject());
    }

    /// <summary>The function that carries a category's answer; null for a category without one.</summary>
    public static AnswerFunction? ForCategory(string category) => ByCategory.GetValueOrDefault(category);

    /// <summary>The functions of several categories, to offer at once (unknown categories are skipped).</summary>
    public static IReadOnlyList<AnswerFunction> For(IEnumerable<string> categories) =>
        categories.Distinct().Select(ForCategory).OfType<AnswerFunction>().ToList();

    /// <summary>The category whose function the model called; null for a name not in the set.</summary>
    public static string? CategoryOf(string? functionName) =>
        functionName is not null && ByName.TryGetValue(functionName.Trim(), out var function) ? function.Category : null;

    /// <summary>Whether a worker forces the category's function: its answer is structure, not prose.</summary>
    public static bool IsForced(string category) => ForCategory(category) is { Kind: not "text" };

    /// <summary>The <c>functions</c> array of a request offering these functions.</summary>
    public static JsonArray ToWire(IEnumerable<AnswerFunction> functions) => new(functions.Select(f => (JsonNode)f.ToWire()).ToArray());

    /// <summary><c>function_call</c> forcing one function by name.</summary>
    public static JsonElement Force(AnswerFunction function) => JsonSerializer.SerializeToElement(new { name = function.Name });
}
