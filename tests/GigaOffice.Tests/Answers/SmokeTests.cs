using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace GigaOffice.Tests.Answers;

public sealed class SmokeTests : IDisposable
{
    private readonly AnswersApp _app = new();
    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Analysis_completes()
    {
        var client = _app.CreateClient();
        var result = await client.RunAsync("/api/ai/process", new
        {
            query_text = "Посчитай среднее",
            input_range = "A1:D3",
            category = "analysis",
            input_data = new object[] { new object[] { "Товар", "Январь", "Февраль", "Март" }, new object[] { "A", 100, 120, 110 }, new object[] { "B", 80, 90, 95 } },
        });
        Assert.Equal("completed", result["status"]!.GetValue<string>());
        Console.WriteLine(result.ToJsonString());
    }
}
