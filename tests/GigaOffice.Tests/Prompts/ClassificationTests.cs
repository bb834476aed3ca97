using System.Text.Json;
using GigaOffice.GigaChat;
using GigaOffice.Prompts;

namespace GigaOffice.Tests.Prompts;

public sealed class ClassificationTests
{
    private static readonly PromptSnapshot Prompts = TestPrompts.Snapshot();

    /// <summary>Russian and English requests as spreadsheet users type them; hasData: whether cells are selected.</summary>
    public static TheoryData<string, bool, string> KeywordCases() => new()
    {
        { "Создай таблицу продаж пяти товаров по месяцам", false, "spreadsheet-generation" },
        { "Сгенерируй список из 10 сотрудников с окладами", false, "spreadsheet-generation" },
        { "Заполни шаблон счёта на оплату", false, "spreadsheet-generation" },
        { "Придумай тестовые данные для учёта склада", false, "spreadsheet-generation" },
        { "Generate a sample timesheet for five employees", false, "spreadsheet-generation" },
        { "Create a monthly budget template", false, "spreadsheet-generation" },
        { "Проанализируй продажи и найди тренды", true, "spreadsheet-analysis" },
        { "Посчитай среднее по каждому товару", true, "spreadsheet-analysis" },
        { "Какой прирост выручки по сравнению с прошлым кварталом?", true, "spreadsheet-analysis" },
        { "Посчитай итоги по столбцам", true, "spreadsheet-analysis" },
        { "Calculate the average and total for each region", true, "spreadsheet-analysis" },
        { "Analyze the sales trend", true, "spreadsheet-analysis" },
        { "Отсортируй строки по сумме по убыванию", true, "spreadsheet-transformation" },
        { "Транспонируй таблицу", true, "spreadsheet-transformation" },
        { "Раздели ФИО на три столбца", true, "spreadsheet-transformation" },
        { "Sort the rows by date", true, "spreadsheet-transformation" },
        { "Merge first and last name into one column", true, "spreadsheet-transformation" },
        { "Найди строки, где выручка больше 500 000", true, "spreadsheet-search" },
        { "Покажи только клиентов из Москвы", true, "spreadsheet-search" },
        { "Найди дубликаты в списке email", true, "spreadsheet-search" },
        { "Filter rows where status is overdue", true, "spreadsheet-search" },
        { "Find duplicate invoice numbers", true, "spreadsheet-search" },
        { "Выдели красным отрицательные значения", true, "spreadsheet-formatting" },
        { "Сделай заголовки жирными с серой заливкой", true, "spreadsheet-formatting" },
        { "Оформи таблицу: границы и выравнивание по центру", true, "spreadsheet-formatting" },
        { "Highlight cells above 100 in green", true, "spreadsheet-formatting" },
        { "Make the header row bold", true, "spreadsheet-formatting" },
        { "Построй диаграмму продаж по месяцам", true, "data-chart" },
        { "Нарисуй круговую диаграмму долей расходов", true, "data-chart" },
        { "Покажи динамику выручки на графике", true, "data-chart" },
        { "Create a line chart of revenue by month", true, "data-chart" },
        { "Plot a pie chart of market share", true, "data-chart" },
        { "Построй гистограмму распределения возрастов", true, "data-histogram" },
        { "Покажи распределение сумм заказов по интервалам", true, "data-histogram" },
        { "Histogram of order amounts with 10 bins", true, "data-histogram" },
        { "Как посчитать сумму с условием?", false, "spreadsheet-assistance" },
        { "Что такое ВПР и как ей пользоваться?", false, "spreadsheet-assistance" },
        { "Почему формула возвращает ошибку #ДЕЛ/0!?", false, "spreadsheet-assistance" },
        { "How do I freeze the first row?", false, "spreadsheet-assistance" },
        { "What does the VLOOKUP function do?", false, "spreadsheet-assistance" },
    };

    /// <summary>The cases the keyword classifier passed; the offline classifier keeps passing them.
    /// Several are among its training examples: the held-out measurement is OfflineClassifierTests.</summary>
    [Theory]
    [MemberData(nameof(KeywordCases))]
    public void Offline_classifier_picks_the_expected_category(string query, bool hasData, string expected)
    {
        var result = new OfflineClassifier(TestPrompts.Resources).Classify(Prompts, query, hasData ? "A1:D10" : null, hasData ? TableShape.Table : TableShape.None);
        Assert.Equal(expected, result.Category);
        Assert.Equal(ClassificationSource.Offline, result.Source);
        Assert.InRange(result.Confidence, 0.0, 0.99);
        Assert.False(string.IsNullOrWhiteSpace(result.TextContent));
        Assert.Equal(RequiredTableInfo.For(expected), result.RequiredTableInfo);
    }

    [Fact]
    public void Keyword_cases_cover_every_active_category_in_both_languages()
    {
        var cases = KeywordCases().Select(row => ((string)row[0], (string)row[2])).ToList();
        Assert.True(cases.Count >= 30);
        foreach (var category in Prompts.Categories.Where(c => c.IsActive))
        {
            Assert.Contains(cases, c => c.Item2 == category.Name && c.Item1.Any(ch => ch is >= 'а' and <= 'я'));
            Assert.Contains(cases, c => c.Item2 == category.Name && c.Item1.All(ch => ch < 'А'));
        }
    }

    [Fact]
    public void Model_answer_is_read_with_its_plan_confidence_and_table_parts()
    {
        var result = ClassificationParser.Parse("""
            {"category": "spreadsheet-generation", "confidence": 0.92, "text_content": "Создам таблицу с пятью новыми строками по образцу.",
             "required_table_info": {"needs_column_headers": true, "needs_header_styles": false, "needs_cell_values": true, "needs_cell_styles": false, "needs_column_metadata": false}}
            """, Prompts, "A1:D3");
        Assert.NotNull(result);
        Assert.Equal("spreadsheet-generation", result.Category);
        Assert.Equal("Создать таблицу", result.DisplayName);
        Assert.Equal(0.92, result.Confidence);
        Assert.Equal("Создам таблицу с пятью новыми строками по образцу.", result.TextContent);
        Assert.Equal(ClassificationSource.Model, result.Source);
        // The model asked for values beyond generation's minimum (headers only): granted.
        Assert.Equal(new RequiredTableInfo(true, false, true, false, false), result.RequiredTableInfo);
    }

    [Fact]
    public void Model_cannot_ask_for_less_than_the_category_minimum()
    {
        var result = ClassificationParser.Parse("""
            {"category": "spreadsheet-analysis", "confidence": 0.8, "text_content": "Посчитаю итоги.",
             "required_table_info": {"needs_column_headers": false, "needs_cell_values": false}}
            """, Prompts, "A1:D3");
        Assert.Equal(RequiredTableInfo.For("spreadsheet-analysis"), result!.RequiredTableInfo);
    }

    [Theory]
    [InlineData("```json\n{\"category\": \"data-chart\", \"confidence\": 0.9}\n```", "data-chart", 0.9)]
    [InlineData("Категория запроса: {\"category\": \"chart\", \"confidence\": \"85%\"} — построю диаграмму.", "data-chart", 0.85)]
    [InlineData("{'category': 'spreadsheet-search', 'confidence': 97,}", "spreadsheet-search", 0.97)]
    [InlineData("{\"category\": \"Построить гистограмму\", \"confidence\": 1.7}", "data-histogram", 1.0)]
    [InlineData("{\"category\": \"uncertain\", \"confidence\": 0.9, \"text_content\": \"Запрос не о таблицах.\"}", "uncertain", 0.9)]
    [InlineData("{\"type\": \"bar\"} {\"category\": \"spreadsheet-formatting\"}", "spreadsheet-formatting", 0.5)]
    public void Model_answers_in_loose_shapes_are_understood(string content, string category, double confidence)
    {
        var result = ClassificationParser.Parse(content.Replace("\\n", "\n"), Prompts, "B2:C9");
        Assert.NotNull(result);
        Assert.Equal(category, result.Category);
        Assert.Equal(confidence, result.Confidence);
        Assert.False(string.IsNullOrWhiteSpace(result.TextContent));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Это запрос на анализ данных.")]
    [InlineData("{\"category\": \"spreadsheet-magic\", \"confidence\": 0.99}")]
    [InlineData("{\"confidence\": 0.99, \"text_content\": \"Посчитаю.\"}")]
    [InlineData("{\"category\": \"spreadsheet-analysis\", \"confidence\": 0.9, \"text_content\": \"Посчита")]
    public void Unusable_model_answers_give_null_so_the_offline_classifier_decides(string content)
    {
        Assert.Null(ClassificationParser.Parse(content, Prompts, "A1:D3"));
    }

    [Fact]
    public void A_category_the_admin_deactivated_is_not_accepted_from_the_model()
    {
        var snapshot = TestPrompts.Snapshot(c => c.Name == "data-chart" ? c with { IsActive = false } : c);
        Assert.Null(ClassificationParser.Parse("{\"category\": \"data-chart\", \"confidence\": 0.9}", snapshot, null));
    }

    [Fact]
    public void Classifier_prompt_lists_active_categories_and_sends_headers_but_no_cell_values()
    {
        var prompt = TestPrompts.Resources.SystemPrompt(RequestClassifier.PromptName)!;
        var snapshot = TestPrompts.Snapshot(c => c.Name == "data-histogram" ? c with { IsActive = false } : c);
        var messages = RequestClassifier.BuildMessages(prompt, snapshot, "Покажи продажи на графике", "A1:D3", TestPrompts.Sales);

        var system = messages[0].Content;
        Assert.Equal("system", messages[0].Role);
        Assert.DoesNotContain("{categories}", system);
        Assert.Contains("- spreadsheet-analysis — Проанализировать: ", system);
        Assert.Contains("- data-chart — Построить диаграмму: ", system);
        Assert.DoesNotContain("- data-histogram —", system);
        Assert.Equal(2 + prompt.Examples.Count * 2, messages.Count);
        foreach (var example in prompt.Examples)
            Assert.NotNull(ClassificationParser.Parse(example.Answer, TestPrompts.Snapshot(), example.InputRange));

        var user = messages[^1].Content;
        Assert.Equal("user", messages[^1].Role);
        Assert.Equal("Запрос: Покажи продажи на графике\nДиапазон: A1:D3\nРазмер выделения: 3 строк × 4 столбцов.\nЗаголовки столбцов: [\"Товар\",\"Январь\",\"Февраль\",\"Март\"]", user);
    }

    [Fact]
    public void Table_parts_survive_storage_with_the_request()
    {
        var info = new RequiredTableInfo(true, false, true, true, false);
        var json = System.Text.Json.JsonSerializer.Serialize(info, GigaOfficeJson.Options);
        Assert.Equal("{\"needs_column_headers\":true,\"needs_header_styles\":false,\"needs_cell_values\":true,\"needs_cell_styles\":true,\"needs_column_metadata\":false}", json);
        Assert.Equal(info, System.Text.Json.JsonSerializer.Deserialize<RequiredTableInfo>(json, GigaOfficeJson.Options));
    }
}
