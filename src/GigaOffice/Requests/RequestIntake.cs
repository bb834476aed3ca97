using System.Buffers;
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
public sealed record IntakeRequest(string QueryText, string? InputRange, string? Category, JsonElement? InputData, InputStyles? Styles)
{
    /// <summary>Table parts the client asks the model to get (upstream API); added to the category's minimum, never less.</summary>
    public RequiredTableInfo? TableInfo { get; init; }
}

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
            // The request is queued anyway: when the quota is spent, the offline classifier decides instead of refusing it.
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
            ClassifiedBy = classification?.Source ?? ClassificationSource.Client,
            ClassificationConfidence = classification?.Confidence,
            ClassificationTokens = classificationTokens,
            // The client's own ask and the model's verdict about table parts are kept; otherwise the category's default applies.
            TableInfoJson = input.TableInfo is { } asked
                ? JsonSerializer.Serialize(classification is { Source: ClassificationSource.Model } ? asked.Union(classification.RequiredTableInfo) : asked, GigaOfficeJson.Options)
                : classification is { Source: ClassificationSource.Model }
                    ? JsonSerializer.Serialize(classification.RequiredTableInfo, GigaOfficeJson.Options) : null,
            InputDataJson = input.InputData is { ValueKind: JsonValueKind.Array } data ? JsonSerializer.SerializeToUtf8Bytes(data, GigaOfficeJson.Options) : null,
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
/// a cloud request — and the client key, so the cache never crosses tenants.
/// </summary>
public static class ResultCacheKey
{
    public static string For(AiRequest request, int promptVersion, string mode, string model)
    {
        string[] leading =
        [
            // Scoped to the client's key: another key's answer (and its request id) is never served.
            request.ClientKeyId is { } keyId ? "v1:" + keyId.ToString("N") : "v1", mode, model, request.Category, promptVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
            string.Join(' ', request.QueryText.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)),
            request.InputRange ?? "",
        ];
        // Length-prefixed so that no two different inputs concatenate to the same text. The text is
        // hashed as it is encoded, a piece at a time: made whole first, a 2 MB table became 4 MB of
        // text and 2 MB of bytes per key (docs/BENCHMARKS.md, change 38). The bytes are the same.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var encoder = Encoding.UTF8.GetEncoder();
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            void Append(ReadOnlySpan<char> text, bool last = false)
            {
                while (true)
                {
                    encoder.Convert(text, buffer, flush: last, out var charsUsed, out var bytesUsed, out var completed);
                    hash.AppendData(buffer, 0, bytesUsed);
                    text = text[charsUsed..];
                    if (text.IsEmpty && (completed || !last)) return;
                }
            }
            void AppendPrefix(int length)
            {
                Span<char> prefix = stackalloc char[16];
                length.TryFormat(prefix, out var written, provider: System.Globalization.CultureInfo.InvariantCulture);
                Append(prefix[..written]);
                Append(":");
            }
            void AppendPart(string part)
            {
                AppendPrefix(part.Length);
                Append(part);
                Append("|");
            }

            foreach (var part in leading) AppendPart(part);
            // The table is already UTF-8: hashed as it is, under its length in characters, as when it
            // was kept as text (change 41), so answers cached before still match.
            var table = request.InputDataJson ?? [];
            AppendPrefix(Encoding.UTF8.GetCharCount(table));
            hash.AppendData(table);
            Append("|");
            AppendPart(request.InputStylesJson ?? "");
            AppendPart(request.TableInfoJson ?? "");
            Append("", last: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
