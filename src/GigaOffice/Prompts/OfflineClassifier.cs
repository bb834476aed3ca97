using System.Collections.Concurrent;
using System.Text.Json;

namespace GigaOffice.Prompts;

/// <summary>A request with its known category, as kept in <c>classification-examples.tsv</c>.</summary>
public sealed record LabelledRequest(string Category, TableShape Shape, string Query);

/// <summary>
/// Classifies a request without GigaChat: a logistic regression over Snowball stems, stem bigrams,
/// character 4-grams, the categories' keywords (kept in the database, editable by the admin) and the
/// table's shape, trained once per process from <c>resources/prompts/classification-examples.tsv</c>.
/// Its confidence is a calibrated probability, so that the caller can decide when a GigaChat call
/// is worth its quota. It serves the dry-run mode, the confident requests in cloud and mTLS modes,
/// and is the fallback when the model's answer is unusable.
/// </summary>
public sealed class OfflineClassifier(PromptResources resources)
{
    public const string ExamplesFile = "classification-examples.tsv";
    private const double CandidateMass = 0.95;
    private const int MaxCandidates = 4;

    // Training takes a fraction of a second; every app instance in one process (tests) shares the result.
    private static readonly ConcurrentDictionary<string, Lazy<TrainedClassifier>> Trained = new();

    private TrainedClassifier Model => Trained.GetOrAdd(
        Path.GetFullPath(resources.Directory), _ => new Lazy<TrainedClassifier>(() => TrainedClassifier.Train(resources))).Value;

    /// <summary>Trains now rather than on the first request.</summary>
    public void Warm() => _ = Model;

    public Classification Classify(PromptSnapshot prompts, string queryText, string? inputRange, JsonElement? inputData) =>
        Classify(prompts, queryText, inputRange, RequestFeatures.Shape(inputData));

    public Classification Classify(PromptSnapshot prompts, string queryText, string? inputRange, TableShape shape)
    {
        var active = prompts.Categories.Where(c => c.IsActive).ToList();
        if (active.Count == 0) throw new InvalidOperationException("No active prompt category is configured.");
        var model = Model.Model;
        var features = RequestFeatures.Extract(queryText, shape, active.Select(c => (c.Name, c.Keywords)));
        var probabilities = model.Predict(features, name => active.Any(c => c.Name == name));
        var ranked = probabilities.Select((p, i) => new CategoryCandidate(model.Classes[i], p))
            .Where(c => c.Probability > 0).OrderByDescending(c => c.Probability).ToList();

        // A category an admin added has no training examples: its keywords choose it, as before the trained
        // model, when they match better than any other category's. That verdict is not calibrated: its
        // confidence stays below the default threshold, so that in cloud mode GigaChat confirms it.
        var known = model.Classes.ToHashSet();
        var byKeywords = active.Select(c => (Category: c, Score: RequestFeatures.KeywordScore(queryText, c.Keywords)))
            .OrderByDescending(s => s.Score).ThenBy(s => s.Category.SortOrder).First();
        if (byKeywords.Score > 0 && !known.Contains(byKeywords.Category.Name))
        {
            var probability = Math.Round(Math.Min(0.75, 0.35 + 0.15 * byKeywords.Score), 2);
            ranked = [new CategoryCandidate(byKeywords.Category.Name, probability), .. ranked.Select(c => c with { Probability = c.Probability * (1 - probability) })];
        }

        // No active category is known to the model and none matched a keyword: the first one by order.
        var chosen = ranked.Count > 0 ? prompts.Find(ranked[0].Category)! : active.OrderBy(c => c.SortOrder).First();
        var confidence = ranked.Count > 0 ? Math.Round(Math.Min(ranked[0].Probability, 0.99), 2) : 0;
        var candidates = new List<CategoryCandidate>();
        foreach (var candidate in ranked)
        {
            candidates.Add(candidate with { Probability = Math.Round(candidate.Probability, 3) });
            if (candidates.Count >= MaxCandidates || candidates.Sum(c => c.Probability) >= CandidateMass) break;
        }
        return new Classification(chosen.Name, chosen.DisplayName, confidence, Classification.Plan(chosen.Name, inputRange),
            RequiredTableInfo.For(chosen.Name)) { Source = ClassificationSource.Offline, Candidates = candidates };
    }

    /// <summary>Reads <c>category TAB shape TAB query</c> lines; '#' starts a comment line.</summary>
    public static List<LabelledRequest> ReadExamples(string path)
    {
        var examples = new List<LabelledRequest>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line) || line.StartsWith('#')) continue;
            var parts = line.Split('\t');
            if (parts.Length != 3 || !Enum.TryParse<TableShape>(parts[1].Trim(), ignoreCase: true, out var shape) || parts[2].Trim().Length == 0)
                throw new InvalidDataException($"{path}:{number}: expected \"category<TAB>none|header|numbers|table<TAB>query\".");
            examples.Add(new LabelledRequest(parts[0].Trim(), shape, parts[2].Trim()));
        }
        return examples;
    }

    private sealed record TrainedClassifier(SoftmaxModel Model)
    {
        public static TrainedClassifier Train(PromptResources resources)
        {
            // A prompt directory of the operator's own may lack the examples: the shipped ones serve then.
            var path = Path.Combine(resources.Directory, ExamplesFile);
            if (!File.Exists(path)) path = Path.Combine(PromptResources.DefaultDirectory, ExamplesFile);
            var examples = ReadExamples(path);
            var keywords = resources.Categories().Select(c => (c.Name, (IReadOnlyList<string>)(c.Keywords ?? []))).ToList();
            var unknown = examples.Select(e => e.Category).Where(name => keywords.All(k => k.Name != name)).Distinct().ToList();
            if (unknown.Count > 0) throw new InvalidDataException($"{path}: unknown categories {string.Join(", ", unknown)}.");
            var classes = examples.Select(e => e.Category).Distinct().Order(StringComparer.Ordinal).ToList();
            var training = examples.Select(e => new TrainingExample(
                RequestFeatures.Extract(e.Query, e.Shape, keywords), classes.IndexOf(e.Category))).ToList();
            return new TrainedClassifier(SoftmaxModel.Train(classes, training));
        }
    }
}

/// <summary>Trains the offline classifier as the service starts, so that the first request does not wait for it.</summary>
public sealed class OfflineClassifierWarmUp(OfflineClassifier classifier, ILogger<OfflineClassifierWarmUp> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await Task.Run(classifier.Warm, stoppingToken);
        logger.LogInformation("Offline classifier trained in {Milliseconds} ms", (int)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }
}
