using System.Text.Json;
using GigaOffice.Prompts;

namespace GigaOffice.Tests.Prompts;

/// <summary>The held-out labelled requests and a table of the right shape for each.</summary>
public static class LabelledRequests
{
    public static readonly string TestSetPath = Path.Combine(AppContext.BaseDirectory, "Prompts", "labelled-requests.tsv");
    public static readonly string TrainingSetPath = Path.Combine(PromptResources.DefaultDirectory, OfflineClassifier.ExamplesFile);

    public static readonly IReadOnlyList<LabelledRequest> HeldOut = OfflineClassifier.ReadExamples(TestSetPath);

    /// <summary>What the user had selected, as the plugin sends it, for each shape.</summary>
    public static JsonElement? Table(TableShape shape) => shape switch
    {
        TableShape.None => null,
        TableShape.Header => Json("""[["Дата", "Клиент", "Сумма", "Статус"]]"""),
        TableShape.Numbers => Json("""[["Значение"], [12.5], [17], [9.8], [21], [15.2], [14], [18.9], [11]]"""),
        _ => Json("""[["Клиент", "Город", "Дата", "Сумма"], ["Иванов", "Москва", "2024-03-01", 12500], ["Петрова", "Казань", "2024-03-02", 8300], ["Сидоров", "Пермь", "2024-03-05", 15100]]"""),
    };

    public static string? Range(TableShape shape) => shape switch
    {
        TableShape.None => null,
        TableShape.Header => "A1:D1",
        TableShape.Numbers => "A1:A9",
        _ => "A1:D4",
    };

    /// <summary>Lower case, letters and digits only: two requests that differ only in punctuation are the same request.</summary>
    public static string Normalized(string query) =>
        string.Join(' ', RequestFeatures.Words(RequestFeatures.Normalize(query)));

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();
}
