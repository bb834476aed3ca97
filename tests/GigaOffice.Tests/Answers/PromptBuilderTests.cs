using System.Text.Json;
using GigaOffice.GigaChat;
using GigaOffice.Prompts;
using GigaOffice.Requests;

namespace GigaOffice.Tests.Answers;

/// <summary>What the model is sent for each category, and for a table larger than the token budget.</summary>
public sealed class PromptBuilderTests
{
    private static readonly PromptBuilder Builder = new();
    private const int Budget = 8192;

    public static TheoryData<string> Categories() => new(TestPrompts.Snapshot().Categories.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Categories))]
    public void Every_category_sends_its_system_prompt_examples_then_the_request(string name)
    {
        var category = TestPrompts.Category(name);
        var prompt = Builder.Build(category, new RequestContext(name, "Сделай что-нибудь полезное", "A1:D3", TestPrompts.Sales), Budget);

        Assert.Equal("system", prompt.Messages[0].Role);
        Assert.Equal(category.SystemPrompt, prompt.Messages[0].Content);
        Assert.Single(prompt.Messages, m => m.Role == "system");
        Assert.Equal(2 + category.Examples.Count * 2, prompt.Messages.Count);
        for (var i = 0; i < category.Examples.Count; i++)
        {
            Assert.Equal("user", prompt.Messages[1 + 2 * i].Role);
            Assert.StartsWith("Запрос: " + category.Examples[i].Query, prompt.Messages[1 + 2 * i].Content);
            Assert.Equal("assistant", prompt.Messages[2 + 2 * i].Role);
            Assert.Equal(category.Examples[i].Answer.Trim(), prompt.Messages[2 + 2 * i].Content);
        }
        var user = prompt.Messages[^1];
        Assert.Equal("user", user.Role);
        Assert.StartsWith("Запрос: Сделай что-нибудь полезное\nДиапазон: A1:D3\nРазмер выделения: 3 строк × 4 столбцов.", user.Content);
        Assert.False(prompt.DataTruncated);
        Assert.True(prompt.EstimatedTokens <= Budget);
        // The worked examples must parse as answers of their own category.
        foreach (var example in category.Examples)
        {
            var parsed = new AnswerParser().Parse(example.Answer, new AnswerContext(name, category.ResultKind, example.InputRange, example.InputData));
            Assert.True(parsed.Success, $"{name} example «{example.Query}»: {parsed.FailureReason}");
        }
    }

    [Theory]
    [InlineData("spreadsheet-generation")]
    [InlineData("spreadsheet-assistance")]
    [InlineData("uncertain")]
    public void Categories_that_need_no_values_get_headers_only(string name)
    {
        var user = UserPart(name);
        Assert.Contains("Заголовки столбцов (JSON): [\"Товар\",\"Январь\",\"Февраль\",\"Март\"]", user);
        Assert.Contains("Значения ячеек не передаются", user);
        Assert.DoesNotContain("Товар A", user);
        Assert.DoesNotContain("120", user);
        Assert.DoesNotContain("Статистика", user);
    }

    [Theory]
    [InlineData("spreadsheet-analysis")]
    [InlineData("data-histogram")]
    public void Analysis_and_histogram_get_values_and_column_statistics(string name)
    {
        var user = UserPart(name);
        Assert.Contains("Таблица (JSON, по строке листа на строку):\n[\"Товар\",\"Январь\",\"Февраль\",\"Март\"]\n[\"Товар A\",100,120,110]\n[\"Товар B\",80,90,95]", user);
        Assert.Contains("Статистика по столбцам (по всем 2 строкам данных):", user);
        Assert.Contains("- A «Товар»: текст — заполнено 2 из 2, различных значений 2", user);
        Assert.Contains("- B «Январь»: числа — заполнено 2 из 2, мин 80, макс 100, среднее 90, сумма 180", user);
        Assert.Contains("- D «Март»: числа — заполнено 2 из 2, мин 95, макс 110, среднее 102.5, сумма 205", user);
    }

    [Theory]
    [InlineData("spreadsheet-transformation")]
    [InlineData("spreadsheet-search")]
    [InlineData("data-chart")]
    public void Row_categories_get_values_without_statistics(string name)
    {
        var user = UserPart(name);
        Assert.Contains("[\"Товар B\",80,90,95]", user);
        Assert.DoesNotContain("Статистика", user);
        Assert.DoesNotContain("Оформление", user);
    }

    [Fact]
    public void Formatting_gets_values_and_the_current_styles()
    {
        var styles = JsonSerializer.SerializeToElement(new InputStyles(
            [new CellStyle { Id = "h", FontWeight = "bold" }, new CellStyle { Id = "unused", FontStyle = "italic" }],
            [new StyleRange("A1:D1", "h")]), GigaOfficeJson.Options);
        var context = new RequestContext("spreadsheet-formatting", "Выдели максимумы", "A1:D3", TestPrompts.Sales) { InputStyles = styles };
        var user = Builder.Build(TestPrompts.Category("spreadsheet-formatting"), context, Budget).Messages[^1].Content;
        Assert.Contains("[\"Товар A\",100,120,110]", user);
        Assert.Contains("Оформление ячеек (JSON): {\"styles\":[{\"id\":\"h\",", user);
        Assert.Contains("\"style_ranges\":[{\"range\":\"A1:D1\",\"style\":\"h\"}]", user);
        Assert.DoesNotContain("unused", user); // only styles the table uses

        var plain = Builder.Build(TestPrompts.Category("spreadsheet-formatting"), context with { InputStyles = null }, Budget).Messages[^1].Content;
        Assert.DoesNotContain("Оформление ячеек", plain);
    }

    [Fact]
    public void The_models_classification_can_ask_for_more_than_the_category_minimum_never_less()
    {
        var generation = TestPrompts.Category("spreadsheet-generation");
        var more = new RequestContext(generation.Name, "Добавь ещё пять строк по образцу", "A1:D3", TestPrompts.Sales)
            { TableInfo = new RequiredTableInfo(true, false, true, false, false) };
        Assert.Contains("[\"Товар A\",100,120,110]", Builder.Build(generation, more, Budget).Messages[^1].Content);

        var analysis = TestPrompts.Category("spreadsheet-analysis");
        var less = new RequestContext(analysis.Name, "Посчитай итоги", "A1:D3", TestPrompts.Sales)
            { TableInfo = new RequiredTableInfo(false, false, false, false, false) };
        var user = Builder.Build(analysis, less, Budget).Messages[^1].Content;
        Assert.Contains("[\"Товар A\",100,120,110]", user);
        Assert.Contains("Статистика по столбцам", user);
    }

    [Fact]
    public void A_table_larger_than_the_budget_is_trimmed_to_its_first_rows_with_statistics_of_all_rows()
    {
        var rows = new List<object?[]> { new object?[] { "№", "Клиент", "Город", "Сумма" } };
        for (var i = 1; i <= 500; i++) rows.Add([i, $"Клиент номер {i}", i % 2 == 0 ? "Москва" : "Казань", i * 10]);
        var data = TestPrompts.Table(rows.ToArray());
        var category = TestPrompts.Category("spreadsheet-search");
        const int budget = 6000;

        var prompt = Builder.Build(category, new RequestContext(category.Name, "Найди клиентов из Казани", "A1:D501", data), budget);

        Assert.True(prompt.DataTruncated);
        Assert.Equal(501, prompt.RowsTotal);
        Assert.InRange(prompt.RowsSent, 2, 500);
        Assert.True(prompt.EstimatedTokens <= budget, $"{prompt.EstimatedTokens} > {budget}");
        var user = prompt.Messages[^1].Content;
        Assert.Contains("[\"№\",\"Клиент\",\"Город\",\"Сумма\"]", user); // the header row is always kept
        Assert.Contains($"[{prompt.RowsSent - 1},\"Клиент номер {prompt.RowsSent - 1}\"", user);
        Assert.DoesNotContain($"\"Клиент номер {prompt.RowsSent}\"", user);
        Assert.Contains($"Показаны первые {prompt.RowsSent} из 501 строк таблицы", user);
        Assert.Contains("Статистика по столбцам (по всем 500 строкам данных):", user);
        Assert.Contains("- D «Сумма»: числа — заполнено 500 из 500, мин 10, макс 5000, среднее 2505, сумма 1252500", user);
        Assert.Contains("- C «Город»: текст — заполнено 500 из 500, различных значений 2", user);

        // One more row would not have fitted: the cut is as late as the budget allows.
        var bigger = Builder.Build(category, new RequestContext(category.Name, "Найди клиентов из Казани", "A1:D501", data), budget + 200);
        Assert.True(bigger.RowsSent > prompt.RowsSent);
    }

    [Fact]
    public void A_request_that_cannot_fit_even_trimmed_fails_as_too_large()
    {
        var category = TestPrompts.Category("spreadsheet-analysis");
        var error = Assert.Throws<GigaChatException>(() =>
            Builder.Build(category, new RequestContext(category.Name, new string('x', 4000), "A1:D3", TestPrompts.Sales), 1024));
        Assert.Equal("too_large", error.Code);
        Assert.False(error.Transient);
    }

    private static string UserPart(string name) =>
        Builder.Build(TestPrompts.Category(name), new RequestContext(name, "Запрос", "A1:D3", TestPrompts.Sales), Budget).Messages[^1].Content;
}
