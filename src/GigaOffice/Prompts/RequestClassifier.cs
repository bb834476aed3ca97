using System.Text;
using System.Text.Json;
using GigaOffice.Configuration;
using GigaOffice.GigaChat;
using Microsoft.Extensions.Options;

namespace GigaOffice.Prompts;

/// <summary>A classification, or how long to wait for quota when the caller asked not to fall back.</summary>
public sealed record ClassifierOutcome(Classification? Classification, TimeSpan? RetryAfter, int Tokens);

/// <summary>
/// Chooses a request's category. The offline classifier answers first; in cloud and mTLS modes,
/// when its calibrated confidence is below <c>CLASSIFIER_CONFIDENCE_THRESHOLD</c>, GigaChat classifies
/// with the classifier prompt from <c>resources/prompts/system_prompt_classifier.yaml</c>, and when that
/// answer is unusable, the call fails or times out, the offline verdict stands. Dry-run mode never
/// calls the model. A classification call counts against the same GigaChat quota as answers.
/// </summary>
public sealed class RequestClassifier(
    IGigaChatClient gigaChat, IGigaChatQuota quota, OfflineClassifier offline, PromptResources resources,
    IOptions<ClassifierOptions> options, ILogger<RequestClassifier> logger)
{
    public const string PromptName = "classifier";
    private readonly Lazy<SystemPromptResource?> _prompt = new(() => resources.SystemPrompt(PromptName));

    /// <summary>False in dry-run mode: the local model cannot classify, the offline classifier does.</summary>
    public bool UsesModel => gigaChat.Mode != "dryrun" && _prompt.Value is not null;

    public async Task<ClassifierOutcome> ClassifyAsync(PromptSnapshot prompts, string query, string? inputRange, JsonElement? inputData,
        bool fallBackWhenBusy, CancellationToken cancellationToken)
    {
        var local = offline.Classify(prompts, query, inputRange, inputData);
        // Confident enough: the quota is kept for answers.
        if (!UsesModel || local.Confidence >= options.Value.ConfidenceThreshold) return new ClassifierOutcome(local, null, 0);

        if (await quota.TryAcquireAsync(cancellationToken) is { } wait)
        {
            if (!fallBackWhenBusy) return new ClassifierOutcome(null, wait, 0);
            logger.LogInformation("GigaChat quota is exhausted; the offline classifier decides");
            return new ClassifierOutcome(local, null, 0);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.TimeoutSeconds));
        try
        {
            var messages = BuildMessages(_prompt.Value!, prompts, query, inputRange, inputData);
            var completion = await gigaChat.CompleteAsync(
                new GigaChatRequest(messages, new RequestContext(PromptName, query, inputRange, inputData)), timeout.Token);
            var tokens = completion.Usage.TotalTokens;
            if (ClassificationParser.Parse(completion.Content, prompts, inputRange) is { } classification)
                return new ClassifierOutcome(classification with { Candidates = local.Candidates }, null, tokens);
            logger.LogWarning("GigaChat's classification could not be used; the offline classifier decides");
            return new ClassifierOutcome(local, null, tokens);
        }
        catch (GigaChatException ex)
        {
            logger.LogWarning("Classification by GigaChat failed with {Code}; the offline classifier decides", ex.Code);
            return new ClassifierOutcome(local, null, 0);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Classification by GigaChat took longer than {Seconds} s; the offline classifier decides", options.Value.TimeoutSeconds);
            return new ClassifierOutcome(local, null, 0);
        }
    }

    /// <summary>The classifier prompt with the active categories filled in, its examples, and the request: query, range, size and headers only.</summary>
    public static List<ChatMessage> BuildMessages(SystemPromptResource prompt, PromptSnapshot prompts, string query, string? inputRange, JsonElement? inputData)
    {
        var list = string.Join("\n", prompts.Categories.Where(c => c.IsActive && c.Name != "uncertain")
            .Select(c => $"- {c.Name} — {c.DisplayName}: {c.Description}"));
        var messages = new List<ChatMessage> { ChatMessage.System(prompt.SystemPrompt.Replace("{categories}", list).TrimEnd()) };
        foreach (var example in prompt.Examples)
        {
            messages.Add(ChatMessage.User(RenderRequest(example.Query, example.InputRange, example.InputData)));
            messages.Add(ChatMessage.Assistant(example.Answer.Trim()));
        }
        messages.Add(ChatMessage.User(RenderRequest(query, inputRange, inputData)));
        return messages;
    }

    private static string RenderRequest(string query, string? inputRange, JsonElement? inputData)
    {
        var table = SheetTable.From(inputData);
        var text = new StringBuilder();
        text.Append("Запрос: ").AppendLine(query.Trim());
        text.AppendLine(string.IsNullOrWhiteSpace(inputRange) ? "Диапазон: не выделен" : $"Диапазон: {inputRange}");
        if (table.Rows.Count > 0) text.AppendLine($"Размер выделения: {table.Rows.Count} строк × {table.Width} столбцов.");
        if (table.Header is { } header) text.Append("Заголовки столбцов: ").AppendLine(JsonSerializer.Serialize(header, GigaOfficeJson.Options));
        else if (table.Rows.Count == 0) text.AppendLine("Выделенные ячейки пусты.");
        return text.ToString().TrimEnd();
    }
}
