using GigaOffice.Answers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using GigaOffice.GigaChat;
using GigaOffice.Prompts;
using GigaOffice.Requests;

namespace GigaOffice.Tests.GigaChat;

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

    [Theory]
    [MemberData(nameof(Categories))]
    public void The_estimate_is_the_length_of_what_is_sent_and_the_cut_is_exact(string name)
    {
        // Cells the JSON encoder escapes or leaves alone, numbers as text, empty cells, long text.
        var rows = new List<object?[]> { new object?[] { "Клиент", "Заметка", "Сумма" } };
        for (var i = 1; i <= 120; i++)
            rows.Add([$"Клиент «{i}» 😀", i % 3 == 0 ? "a\"b\\c\t<&>" : i % 3 == 1 ? null : new string('ж', i), i % 2 == 0 ? i * 10.5 : $"{i} 000,5"]);
        var data = TestPrompts.Table(rows.ToArray());
        var category = TestPrompts.Category(name);
        // Two queries of different parity: a length off by one changes the estimate for one of them.
        foreach (var query in new[] { "Найди", "Найди!" })
        foreach (var budget in new[] { 1500, 2500, 4000, 6000, 12000 })
        {
            BuiltPrompt prompt;
            try { prompt = Builder.Build(category, new RequestContext(name, query, "B2:D122  ", data), budget); }
            catch (GigaChatException e) when (e.Code == "too_large") { continue; }
            Assert.Equal(prompt.Messages.Sum(m => PromptBuilder.EstimateTokens(m.Content)), prompt.EstimatedTokens);
            Assert.True(prompt.EstimatedTokens <= budget);
            if (!prompt.DataTruncated) continue;
            // Exactly at its estimate the same rows fit; one token less and they do not.
            Assert.Equal(prompt.RowsSent, Builder.Build(category, new RequestContext(name, query, "B2:D122  ", data), prompt.EstimatedTokens).RowsSent);
            try { Assert.True(Builder.Build(category, new RequestContext(name, query, "B2:D122  ", data), prompt.EstimatedTokens - 1).RowsSent < prompt.RowsSent); }
            catch (GigaChatException e) when (e.Code == "too_large") { }
        }
    }

    [Fact]
    public void Column_statistics_tell_empty_mixed_text_and_number_columns_apart()
    {
        var table = SheetTable.From(TestPrompts.Table(
            ["Пусто", "Смесь", "Текст", "Числа"],
            [null, "12", "Москва", "1 234,5"],
            ["  ", "abc", "Москва", 10],
            [null, 5, "Казань", "7"]));

        Assert.Equal(
            [
                "A «Пусто»: пусто",
                "B «Смесь»: смешанный — заполнено 3 из 3, чисел 2 (мин 5, макс 12, сумма 17)",
                "C «Текст»: текст — заполнено 3 из 3, различных значений 2",
                "D «Числа»: числа — заполнено 3 из 3, мин 7, макс 1234.5, среднее 417.17, сумма 1251.5",
            ],
            PromptBuilder.ColumnStatistics(table, "A1:D4"));
    }

    [Fact]
    public void Distinct_texts_are_counted_by_their_value_whether_or_not_the_JSON_escapes_them()
    {
        // Raw JSON: the same word plain and escaped, a no-break space (blank), and a value that
        // differs only by a trailing tab. Cells without escapes are compared by their raw UTF-8. All
        // rows are text, so the first is not taken for a header.
        using var document = JsonDocument.Parse("""
            [["Город", "Флаг"],
             ["Москва", true],
             ["\u041c\u043e\u0441\u043a\u0432\u0430", "да"],
             ["\u00a0", "нет"],
             ["Казань\t", "да"],
             ["Казань", null]]
            """);
        var table = SheetTable.From(document.RootElement);

        Assert.Equal(
            [
                "A: текст — заполнено 5 из 6, различных значений 4", // Город, Москва, "Казань\t", Казань
                "B: текст — заполнено 5 из 6, различных значений 4", // Флаг, True, да, нет
            ],
            PromptBuilder.ColumnStatistics(table, "A1:B6"));
    }

    [Fact]
    public void A_table_at_the_size_limit_is_trimmed_without_rendering_it_over_and_over()
    {
        // 20,000 cells (the limit), about 2 MB of JSON. Measuring every try of the cut by rendering it
        // allocated about 30 times the table's size; the parts are now measured once (change 38).
        var rows = Enumerable.Range(0, 200).Select(r => Enumerable.Range(0, 100)
            .Select(c => (object?)(c % 4 == 0 ? r * 100 + c : $"Ячейка {r}-{c}: {new string('ю', 80)}")).ToArray()).ToArray();
        var data = TestPrompts.Table(rows);
        var size = data.GetRawText().Length;
        var category = TestPrompts.Category("spreadsheet-analysis");
        var context = new RequestContext(category.Name, "Найди тренды", "A1:CV200", data);
        Builder.Build(category, context, Budget); // warm up: what is allocated once per process is not the point

        var before = GC.GetAllocatedBytesForCurrentThread();
        var prompt = Builder.Build(category, context, Budget);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(prompt.DataTruncated);
        Assert.True(allocated < 6L * size, $"{allocated / 1024} KB allocated for a table of {size / 1024} KB of JSON");
    }

    [Fact]
    public void Column_statistics_of_a_large_text_table_make_no_string_per_cell()
    {
        // 20,000 text cells as the plugin sends them: UTF-8 without escapes. A string per cell for the
        // distinct count, and a set grown anew per column, allocated 2.4 times the table's
        // size (4.5 MB); the cells are now compared where they lie in the document (change 40).
        var rows = Enumerable.Range(0, 200).Select(r => Enumerable.Range(0, 100)
            .Select(c => $"Ячейка {r % 50}-{c}: {new string('ю', 80)}").ToArray()).ToArray();
        var json = JsonSerializer.Serialize(rows, new JsonSerializerOptions { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) });
        using var document = JsonDocument.Parse(json);
        var table = SheetTable.From(document.RootElement);
        PromptBuilder.ColumnStatistics(table, "A1:CV200").ToList(); // warm up

        var before = GC.GetAllocatedBytesForCurrentThread();
        var lines = PromptBuilder.ColumnStatistics(table, "A1:CV200").ToList();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(100, lines.Count);
        Assert.All(lines, line => Assert.EndsWith(": текст — заполнено 200 из 200, различных значений 50", line));
        Assert.True(allocated < json.Length / 10, $"{allocated / 1024} KB allocated for a table of {json.Length / 1024} K characters of JSON");
    }

    private static string UserPart(string name) =>
        Builder.Build(TestPrompts.Category(name), new RequestContext(name, "Запрос", "A1:D3", TestPrompts.Sales), Budget).Messages[^1].Content;
}
