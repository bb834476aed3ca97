using System.Text.Json;
using FakeGigaChat;

namespace GigaOffice.Tests.GigaChat;

/// <summary>
/// Each shape a model writes its answer in, end to end: the service in cloud mode calls the fake
/// GigaChat over HTTPS, the fake answers in that shape (as text: it ignores the forced function,
/// as models sometimes do), and the request must complete with the table written in the right cells.
/// </summary>
public sealed class AnswerShapesTests() : FakeGigaChatTest(new FakeGigaChatOptions())
{
    /// <summary>Sums of the analysis request's rows, the table every shape below carries.</summary>
    private static readonly object[][] Expected = [["Товар", "Сумма"], ["Товар A", 330], ["Товар B", 265]];

    public static TheoryData<string, string> Shapes() => new()
    {
        { "documented object", """{"text": "Суммы", "output_range": "F1:G3", "table": [["Товар", "Сумма"], ["Товар A", 330], ["Товар B", 265]], "chart": null}""" },
        { "bare 2-D array", """[["Товар", "Сумма"], ["Товар A", 330], ["Товар B", 265]]""" },
        { "fenced between prose", "Вот итоги по товарам:\n```json\n[[\"Товар\", \"Сумма\"], [\"Товар A\", 330], [\"Товар B\", 265]]\n```\nТовар A лидирует." },
        { "array of row objects", """Результат: [{"Товар": "Товар A", "Сумма": 330}, {"Товар": "Товар B", "Сумма": 265}]""" },
        { "table under result_data", """{"result_data": [["Товар", "Сумма"], ["Товар A", 330], ["Товар B", 265]], "text": "Суммы"}""" },
        { "table under rows", """{"rows": [["Товар", "Сумма"], ["Товар A", 330], ["Товар B", 265]]}""" },
        { "markdown table", "Итоги:\n\n| **Товар** | **Сумма** |\n|:---|---:|\n| Товар A | 330 |\n| Товар B | 265 |\n\nТовар A продаётся лучше." },
        { "csv in a fence", "```csv\nТовар;Сумма\nТовар A;330\nТовар B;265\n```" },
        { "tsv in a fence", "```\nТовар\tСумма\nТовар A\t330\nТовар B\t265\n```" },
        { "near JSON", "{'text': 'Суммы', // итоги\n 'table': [['Товар', 'Сумма'], ['Товар A', 330], ['Товар B', 265],],}" },
        { "russian numbers", """{"text": "Суммы", "table": [["Товар", "Сумма"], ["Товар A", "330,00"], ["Товар B", "265,00"]]}""" },
        { "two blocks, the second fits", "```json\n{\"text\": \"Сейчас посчитаю\"}\n```\n```json\n{\"text\": \"Суммы\", \"table\": [[\"Товар\", \"Сумма\"], [\"Товар A\", 330], [\"Товар B\", 265]]}\n```" },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Every_usable_shape_completes_with_its_table(string shape, string answer)
    {
        Fake.IgnoreFunctions = true;
        Fake.Responder = _ => FakeReply.Function("""{"text": "не должно использоваться"}""", textFallback: answer);
        await using var app = new TestApp(GigaChatSettings.Cloud(Fake));
        var client = app.CreateClient();

        var result = await client.WaitResultAsync(await client.SubmitAsync(TestRequests.Analysis));

        Assert.True(result.GetProperty("status").GetString() == "completed", $"{shape}: {result}");
        var written = result.GetProperty("result");
        AssertTable(written.GetProperty("table"));
        // Placed where the model said, or next to the selection (A1:D3) where it said nothing.
        Assert.Contains(written.GetProperty("output_range").GetString(), new[] { "F1:G3", "E1:F3" });
        Assert.Equal("spreadsheet_analysis", Assert.Single(Fake.ChatCalls).Request!.ForcedFunction);
        // Far from the token limit the estimate decides: nothing is measured.
        Assert.Equal(0, Fake.TokenCountCallCount);
    }

    [Fact]
    public async Task Russian_numbers_become_numbers_with_their_format()
    {
        Fake.IgnoreFunctions = true;
        Fake.Responder = _ => FakeReply.Text(
            "| Товар | Выручка | Доля | Изменение |\n|---|---|---|---|\n| Товар A | 424\u00a0242,00 | 12,5% | −5 |\n| Товар B | 1 250,50 | 87,5% | 3 |");
        await using var app = new TestApp(GigaChatSettings.Cloud(Fake));
        var client = app.CreateClient();

        var result = await client.WaitResultAsync(await client.SubmitAsync(TestRequests.Analysis));

        var written = result.GetProperty("result");
        var table = written.GetProperty("table");
        Assert.Equal(424242.0, table[1][1].GetDouble());
        Assert.Equal(0.125, table[1][2].GetDouble());
        Assert.Equal(-5, table[1][3].GetDouble());
        Assert.Equal(1250.5, table[2][1].GetDouble());
        var formats = written.GetProperty("columns").EnumerateArray().ToDictionary(c => c.GetProperty("index").GetInt32(), c => c.GetProperty("format").GetString());
        Assert.Equal("#,##0.00", formats[1]);
        Assert.Equal("0.0%", formats[2]);
    }

    [Theory]
    [InlineData("prose only", "Товар A продаётся лучше товара B.", "unparseable_answer")]
    [InlineData("empty", "", "unparseable_answer")]
    [InlineData("table cut off", "[[\"Товар\", \"Сумма\"], [\"Товар A\", 33", "unparseable_answer")]
    public async Task An_answer_without_a_usable_table_fails_with_a_code_and_keeps_the_raw_text(string shape, string answer, string code)
    {
        Fake.IgnoreFunctions = true;
        Fake.Responder = _ => FakeReply.Text(answer);
        await using var app = new TestApp(GigaChatSettings.Cloud(Fake));
        var client = app.CreateClient();

        var result = await client.WaitResultAsync(await client.SubmitAsync(TestRequests.Analysis));

        Assert.True(result.GetProperty("status").GetString() == "failed", $"{shape}: {result}");
        Assert.Equal(code, result.ErrorCode());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("result").ValueKind);
    }

    internal static void AssertTable(JsonElement table)
    {
        Assert.Equal(Expected.Length, table.GetArrayLength());
        for (var y = 0; y < Expected.Length; y++)
            for (var x = 0; x < Expected[y].Length; x++)
                if (Expected[y][x] is string text) Assert.Equal(text, table[y][x].GetString());
                else Assert.Equal(Convert.ToDouble(Expected[y][x]), table[y][x].GetDouble());
    }
}
