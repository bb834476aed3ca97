using GigaOffice.Metrics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GigaOffice.Data;
using GigaOffice.GigaChat;
using GigaOffice.Prompts;
using GigaOffice.Queue;

namespace GigaOffice.Requests;

/// <summary>A validated request, whichever API it came through.</summary>
public sealed record IntakeRequest(string QueryText, string? InputRange, string? Category, JsonElement? InputData, InputStyles? Styles);

public sealed record IntakeResult(AiRequest? Request, Classification? Classification, string? CategoryError);

/// <summary>
/// Accepts a request for both APIs: resolves or classifies its category, stores it, queues it.
/// </summary>
public sealed class RequestIntake(PromptCatalog prompts, RequestClassifier classifier, AcceptedRequestWriter writer, IRequestQueue queue, ThisInstance instance, TimeProvider time, GigaOfficeMetrics metrics)
{
    public async Task<IntakeResult> SubmitAsync(IntakeRequest input, string correlationId, Guid? clientKeyId, CancellationToken cancellationToken)
    {
        var snapshot = await prompts.GetAsync(cancellationToken);
        CategoryInfo category;
        Classification? classification = null;
        var classificationTokens = 0;
        if (input.Category is not null)
        {
            var found = snapshot.Resolve(input.Category);
            if (found is null || !found.IsActive)
                return new IntakeResult(null, null, $"Неизвестная категория \"{input.Category}\". Список: GET /api/prompts/categories.");
            category = found;
        }
        else
        {
            // The request is queued anyway: when the quota is spent, keywords classify instead of refusing it.
            var outcome = await classifier.ClassifyAsync(snapshot, input.QueryText, input.InputRange, input.InputData, fallBackWhenBusy: true, cancellationToken);
            classification = outcome.Classification!;
            classificationTokens = outcome.Tokens;
            category = snapshot.Find(classification.Category)!;
        }

        var request = new AiRequest
        {
            Id = Guid.CreateVersion7(),
            Status = RequestStatus.Queued,
            QueryText = input.QueryText.Trim(),
            InputRange = input.InputRange?.Trim().ToUpperInvariant(),
            Category = category.Name,
            CategoryClassified = classification is not null,
            ClassifiedBy = classification?.Source,
            ClassificationTokens = classificationTokens,
            // Only the model's own verdict about table parts is kept; otherwise the category's default applies.
            TableInfoJson = classification is { Source: ClassificationSource.Model }
                ? JsonSerializer.Serialize(classification.RequiredTableInfo, GigaOfficeJson.Options) : null,
            InputDataJson = input.InputData is { ValueKind: JsonValueKind.Array } data ? JsonSerializer.Serialize(data, GigaOfficeJson.Options) : null,
            InputStylesJson = input.Styles is null ? null : JsonSerializer.Serialize(input.Styles, GigaOfficeJson.Options),
            CorrelationId = correlationId,
            ClientKeyId = clientKeyId,
            CreatedAt = time.GetUtcNow().UtcDateTime,
            // The in-process queue announces it to this instance alone (Kafka: to whichever worker).
            AcceptedBy = queue.IsDurable ? null : instance.Id,
        };
        // Committed together with concurrent accepts (group commit); not cancelled with the client,
        // so that a committed row is always announced below.
        await writer.SaveAsync(request);
        // After the commit: if this notice is lost, the recovery sweep finds the queued row.
        await queue.PublishAsync(request.Id, CancellationToken.None);
        metrics.RequestAccepted(category.Name);
        return new IntakeResult(request, classification, null);
    }
}

/// <summary>
/// The key under which a completed answer is reused: everything that decides what the model is
/// asked — the query (whitespace-normalised), range, table, input styles, category, its prompt
/// version, the table parts sent, and the model (mode and name), so a dry-run answer never serves
/// a cloud request.
/// </summary>
public static class ResultCacheKey
{
    public static string For(AiRequest request, int promptVersion, string mode, string model)
    {
        var parts = new[]
        {
            "v1", mode, model, request.Category, promptVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
            string.Join(' ', request.QueryText.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)),
            request.InputRange ?? "", request.InputDataJson ?? "", request.InputStylesJson ?? "", request.TableInfoJson ?? "",
        };
        // Length-prefixed so that no two different inputs concatenate to the same text.
        var text = string.Concat(parts.Select(p => $"{p.Length}:{p}|"));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
