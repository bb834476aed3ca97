using System.Globalization;
using System.Text;
using GigaOffice.Prompts;
using Xunit.Abstractions;

namespace GigaOffice.Tests.Prompts;

/// <summary>
/// The offline classifier measured on held-out labelled requests (tests/GigaOffice.Tests/Prompts/labelled-requests.tsv),
/// which are never used for training. The report it prints is the source of the figures in docs/answers.md.
/// </summary>
public sealed class OfflineClassifierTests(ITestOutputHelper output)
{
    private static readonly PromptSnapshot Prompts = TestPrompts.Snapshot();
    private static readonly OfflineClassifier Classifier = new(TestPrompts.Resources);
    private static readonly double DefaultThreshold = new GigaOffice.Configuration.ClassifierOptions().ConfidenceThreshold;

    private static List<(LabelledRequest Request, Classification Result)> ClassifyHeldOut() =>
        LabelledRequests.HeldOut.Select(r => (r, Classifier.Classify(Prompts, r.Query, LabelledRequests.Range(r.Shape), LabelledRequests.Table(r.Shape)))).ToList();

    [Fact]
    public void The_labelled_set_is_large_covers_every_category_and_shares_nothing_with_the_training_examples()
    {
        var heldOut = LabelledRequests.HeldOut;
        Assert.True(heldOut.Count >= 300, $"{heldOut.Count} labelled requests");
        foreach (var category in Prompts.Categories.Where(c => c.IsActive))
            Assert.True(heldOut.Count(r => r.Category == category.Name) >= 30, category.Name);
        Assert.Equal(heldOut.Count, heldOut.Select(r => LabelledRequests.Normalized(r.Query)).Distinct().Count());

        var training = OfflineClassifier.ReadExamples(LabelledRequests.TrainingSetPath).Select(r => LabelledRequests.Normalized(r.Query)).ToHashSet();
        Assert.True(training.Count >= 300);
        Assert.Empty(heldOut.Where(r => training.Contains(LabelledRequests.Normalized(r.Query))).Select(r => r.Query));
    }

    [Fact]
    public void At_least_nine_in_ten_held_out_requests_are_classified_right_and_the_report_is_printed()
    {
        var results = ClassifyHeldOut();
        var accuracy = results.Count(r => r.Result.Category == r.Request.Category) / (double)results.Count;
        output.WriteLine(Report(results));
        Assert.True(accuracy >= 0.90, $"accuracy {accuracy:P1}");
        Assert.All(results, r => Assert.Equal(ClassificationSource.Offline, r.Result.Source));
    }

    [Theory]
    [InlineData("Какой товар принёс больше всего выручки за квартал?", "spreadsheet-analysis")]
    [InlineData("Есть ли сезонность в этих данных?", "spreadsheet-analysis")]
    [InlineData("Покажи клиентов из Казани", "spreadsheet-search")]
    [InlineData("Удали дубликаты строк", "spreadsheet-transformation")]
    public void The_requests_the_keyword_classifier_got_wrong_in_issue_32_are_right(string query, string expected)
    {
        Assert.Contains(LabelledRequests.HeldOut, r => r.Query == query && r.Category == expected);
        Assert.Equal(expected, Classifier.Classify(Prompts, query, "A1:D4", LabelledRequests.Table(TableShape.Table)).Category);
    }

    [Fact]
    public void Confidence_is_calibrated_and_confident_answers_are_more_often_right()
    {
        var results = ClassifyHeldOut();
        var accuracy = results.Count(r => r.Result.Category == r.Request.Category) / (double)results.Count;
        var meanConfidence = results.Average(r => r.Result.Confidence);
        // Calibrated: on average as sure as it is right (expected calibration error over five bins).
        var ece = results.GroupBy(r => Math.Min(4, (int)(r.Result.Confidence * 5)))
            .Sum(g => g.Count() / (double)results.Count * Math.Abs(g.Average(r => r.Result.Confidence) - g.Count(r => r.Result.Category == r.Request.Category) / (double)g.Count()));
        Assert.True(ece < 0.1, $"expected calibration error {ece:F3}, mean confidence {meanConfidence:F2}, accuracy {accuracy:F2}");

        var confident = results.Where(r => r.Result.Confidence >= DefaultThreshold).ToList();
        var confidentAccuracy = confident.Count(r => r.Result.Category == r.Request.Category) / (double)confident.Count;
        Assert.True(confidentAccuracy > accuracy, $"{confidentAccuracy:P1} above the threshold, {accuracy:P1} overall");
    }

    [Fact]
    public void Candidates_are_ranked_probabilities_led_by_the_choice()
    {
        var result = Classifier.Classify(Prompts, "покажи продажи по месяцам", "A1:D4", LabelledRequests.Table(TableShape.Table));
        Assert.NotEmpty(result.Candidates);
        Assert.Equal(result.Category, result.Candidates[0].Category);
        Assert.True(result.Candidates.Count <= 4);
        Assert.Equal(result.Candidates.OrderByDescending(c => c.Probability), result.Candidates);
        Assert.InRange(result.Candidates.Sum(c => c.Probability), 0, 1.0001);
    }

    [Fact]
    public void The_table_shape_moves_the_verdict_an_empty_selection_asks_for_a_new_table()
    {
        const string query = "таблица продаж по месяцам";
        var empty = Classifier.Classify(Prompts, query, null, TableShape.None);
        var filled = Classifier.Classify(Prompts, query, "A1:D4", TableShape.Table);
        Assert.Equal("spreadsheet-generation", empty.Category);
        Assert.NotEqual("spreadsheet-generation", filled.Category);
    }

    [Theory]
    [InlineData(null, TableShape.None)]
    [InlineData("[]", TableShape.None)]
    [InlineData("[[null, \"\"], [null, null]]", TableShape.None)]
    [InlineData("[[\"Дата\", \"Сумма\"]]", TableShape.Header)]
    [InlineData("[[\"Возраст\"], [23], [\"35\"], [41.5]]", TableShape.Numbers)]
    [InlineData("[[\"Товар\", \"Январь\"], [\"A\", 100], [\"B\", 80]]", TableShape.Table)]
    public void Table_shape_is_read_from_the_cells(string? json, TableShape expected)
    {
        System.Text.Json.JsonElement? data = json is null ? null : System.Text.Json.JsonDocument.Parse(json).RootElement.Clone();
        Assert.Equal(expected, RequestFeatures.Shape(data));
    }

    [Fact]
    public void A_category_the_admin_deactivated_is_never_chosen()
    {
        var snapshot = TestPrompts.Snapshot(c => c.Name == "data-chart" ? c with { IsActive = false } : c);
        var result = Classifier.Classify(snapshot, "построй график продаж", "A1:D4", TableShape.Table);
        Assert.NotEqual("data-chart", result.Category);
        Assert.DoesNotContain(result.Candidates, c => c.Category == "data-chart");
    }

    [Fact]
    public void The_admins_keywords_count_a_keyword_added_for_a_category_pulls_requests_to_it()
    {
        const string query = "свести остатки по складу";
        var before = Classifier.Classify(Prompts, query, "A1:D4", TableShape.Table);
        var snapshot = TestPrompts.Snapshot(c => c.Name == "data-histogram" ? c with { Keywords = [.. c.Keywords, "свести остатки"] } : c);
        var after = Classifier.Classify(snapshot, query, "A1:D4", TableShape.Table);
        Assert.True(after.Candidates.First(c => c.Category == "data-histogram").Probability
            > (before.Candidates.FirstOrDefault(c => c.Category == "data-histogram")?.Probability ?? 0));
    }

    [Fact]
    public void A_category_an_admin_added_without_examples_is_chosen_by_its_keywords_with_a_confidence_that_asks_the_model()
    {
        var cleanup = new CategoryInfo(99, "spreadsheet-cleanup", "Очистить данные", "Удаление лишних пробелов.", true, 9, "table",
            "Ты очищаешь таблицы.", [], ["очисти", "пробел"], 1);
        var snapshot = new PromptSnapshot([.. Prompts.Categories, cleanup], [], "test");

        var result = Classifier.Classify(snapshot, "очисти лишние пробелы в ячейках", "A1:D4", TableShape.Table);
        Assert.Equal("spreadsheet-cleanup", result.Category);
        Assert.True(result.Confidence < DefaultThreshold, $"{result.Confidence}");
        // Its keywords do not match: the trained model decides as without it.
        Assert.Equal("data-chart", Classifier.Classify(snapshot, "построй график продаж", "A1:D4", TableShape.Table).Category);
    }

    [Theory]
    [InlineData(0.0, true)]
    [InlineData(0.8, true)]
    [InlineData(1.0, true)]
    [InlineData(-0.1, false)]
    [InlineData(1.5, false)]
    [InlineData(double.NaN, false)]
    public void The_threshold_setting_is_checked_at_start_and_names_its_variable(double threshold, bool valid)
    {
        var result = new GigaOffice.Configuration.AnswerOptionsValidation().Validate(null, new GigaOffice.Configuration.ClassifierOptions { ConfidenceThreshold = threshold });
        Assert.Equal(valid, result.Succeeded);
        if (!valid) Assert.Contains("CLASSIFIER_CONFIDENCE_THRESHOLD", result.FailureMessage);
    }

    [Fact]
    public void A_malformed_example_line_is_refused_with_its_file_and_line()
    {
        var path = Path.Combine(Path.GetTempPath(), $"examples-{Guid.NewGuid():N}.tsv");
        File.WriteAllText(path, "# comment\nspreadsheet-search\ttable\tнайди Иванова\nspreadsheet-search\tкруглая\tнайди Петрова\n");
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => OfflineClassifier.ReadExamples(path));
            Assert.Contains($"{path}:3", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Accuracy per category, confusion pairs and the threshold trade-off, as written to docs/answers.md.</summary>
    private static string Report(List<(LabelledRequest Request, Classification Result)> results)
    {
        var text = new StringBuilder();
        string Percent(double value) => value.ToString("P1", CultureInfo.InvariantCulture);
        var right = results.Count(r => r.Result.Category == r.Request.Category);
        text.AppendLine($"overall: {right}/{results.Count} = {Percent(right / (double)results.Count)}");
        foreach (var group in results.GroupBy(r => r.Request.Category).OrderBy(g => g.Key))
            text.AppendLine($"  {group.Key}: {group.Count(r => r.Result.Category == r.Request.Category)}/{group.Count()} = {Percent(group.Count(r => r.Result.Category == r.Request.Category) / (double)group.Count())}");
        text.AppendLine("confusion pairs (expected -> chosen: count):");
        foreach (var pair in results.Where(r => r.Result.Category != r.Request.Category).GroupBy(r => (r.Request.Category, r.Result.Category)).OrderByDescending(g => g.Count()))
            text.AppendLine($"  {pair.Key.Item1} -> {pair.Key.Item2}: {pair.Count()} ({string.Join("; ", pair.Select(p => $"\"{p.Request.Query}\" {p.Result.Confidence:F2}"))})");
        text.AppendLine("threshold: share classified offline, its accuracy, accuracy if the model is right on the rest, GigaChat calls per request");
        foreach (var threshold in new[] { 0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9 })
        {
            var kept = results.Where(r => r.Result.Confidence >= threshold).ToList();
            var keptRight = kept.Count(r => r.Result.Category == r.Request.Category);
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"  {threshold:F1}: {Percent(kept.Count / (double)results.Count)}, {Percent(kept.Count == 0 ? 0 : keptRight / (double)kept.Count)}, {Percent((keptRight + results.Count - kept.Count) / (double)results.Count)}, {1 + (results.Count - kept.Count) / (double)results.Count:F2}"));
        }
        return text.ToString();
    }
}
