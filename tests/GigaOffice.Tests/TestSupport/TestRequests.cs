namespace GigaOffice.Tests.TestSupport;

/// <summary>Request bodies many tests send, as the plugin sends them.</summary>
public static class TestRequests
{
    /// <summary>The example of the spec.</summary>
    public static readonly object SeedExample = AnalysisOf("A1:D10");

    /// <summary>The same analysis over exactly the rows it carries; <see cref="AnalysisAnswer"/> answers it well.</summary>
    public static readonly object Analysis = AnalysisOf("A1:D3");

    /// <summary>What a well-behaved model answers to <see cref="Analysis"/>.</summary>
    public const string AnalysisAnswer =
        """{"text": "Товар A растёт быстрее", "output_range": "F1:G3", "table": [["Товар", "Сумма"], ["Товар A", 330], ["Товар B", 265]], "chart": null}""";

    private static object AnalysisOf(string range) => new
    {
        query_text = "Проанализируй данные продаж и найди тренды",
        input_range = range,
        category = "analysis",
        input_data = new object[][]
        {
            ["Товар", "Январь", "Февраль", "Март"],
            ["Товар A", 100, 120, 110],
            ["Товар B", 80, 90, 95],
        },
    };
}
