using System.Diagnostics;
using System.Text.Json;
using GigaOffice.Clients;
using GigaOffice.GigaChat;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GigaOffice.OpenAi;

/// <summary>
/// The OpenAI-compatible front to GigaChat (/v1): ONLYOFFICE's AI plugin and other OpenAI clients
/// reach GigaChat under this service's client keys, per-key limits, quota and records.
/// </summary>
public static class OpenAiEndpoints
{
    public const string Prefix = "/v1";

    public static bool IsOpenAiPath(PathString path) => path.StartsWithSegments(Prefix, StringComparison.OrdinalIgnoreCase);

    public static IServiceCollection AddOpenAi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OpenAiOptions>().Bind(configuration.GetSection(OpenAiOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<GigaChatAccess>();
        services.AddSingleton<OpenAiCallLog>();
        services.AddHostedService(sp => sp.GetRequiredService<OpenAiCallLog>());
        // First of the writers: problems of /v1 calls become OpenAI error bodies, the rest stay problem+json.
        services.Insert(0, ServiceDescriptor.Singleton<IProblemDetailsWriter, OpenAiProblemWriter>());
        return services;
    }

    public static IEndpointRouteBuilder MapOpenAi(this IEndpointRouteBuilder app)
    {
        // A client key and the same per-key limits as POST /api/ai/process, on the whole group.
        var group = app.MapGroup(Prefix).WithTags("OpenAI-совместимый API").RequireClientAccess().WithClientLimits();

        // The list is cached (one GigaChat call per OPENAI_MODELS_CACHE_SECONDS): no quota spent, no limits.
        group.MapGet("/models", ModelsAsync).Free().WithSummary("Модели GigaChat, доступные учётной записи (формат OpenAI)")
            .Produces<OpenAiErrorBody>(StatusCodes.Status401Unauthorized).Produces<OpenAiErrorBody>(StatusCodes.Status502BadGateway);
        group.MapPost("/chat/completions", ChatAsync).Spending().WithSummary("Чат с GigaChat в формате OpenAI (stream: false или true)")
            .WithDescription("Роли, temperature, top_p, max_tokens, stop, n=1, tools/functions переводятся в вызов GigaChat. При stream: true — text/event-stream с чанками chat.completion.chunk и data: [DONE].")
            .Accepts<JsonElement>("application/json")
            .Produces<OpenAiChatCompletion>().Produces<OpenAiChatChunk>(StatusCodes.Status200OK, "text/event-stream")
            .Produces<OpenAiErrorBody>(StatusCodes.Status400BadRequest).Produces<OpenAiErrorBody>(StatusCodes.Status401Unauthorized)
            .Produces<OpenAiErrorBody>(StatusCodes.Status429TooManyRequests).Produces<OpenAiErrorBody>(StatusCodes.Status502BadGateway)
            .Produces<OpenAiErrorBody>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    internal static async Task<Results<Ok<OpenAiModelList>, JsonHttpResult<OpenAiErrorBody>>> ModelsAsync(
        GigaChatAccess gigaChat, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        try
        {
            var models = await gigaChat.ModelsAsync(ct);
            var created = time.GetUtcNow().ToUnixTimeSeconds();
            return TypedResults.Ok(new OpenAiModelList(models.Select(m => new OpenAiModel(m.Id, created, m.OwnedBy)).ToList()));
        }
        catch (GigaChatException ex)
        {
            return OpenAiErrors.FromGigaChat(ex).ToResult(http);
        }
    }

    internal static async Task<IResult> ChatAsync(HttpContext http, GigaChatAccess gigaChat, IGigaChatChat chat, OpenAiCallLog log, TimeProvider time)
    {
        var started = Stopwatch.GetTimestamp();
        var record = new OpenAiCall { Id = Guid.CreateVersion7(), ClientKeyId = http.GetClient()?.Id, CreatedAt = time.GetUtcNow().UtcDateTime };
        var ct = http.RequestAborted;
        MappedChat mapped;
        long reserved = 0;
        try
        {
            using var body = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: ct);
            mapped = ChatRequestMapper.Map(body.RootElement, gigaChat.DefaultModel);
            record.Model = mapped.Call.Model;
            record.Stream = mapped.Stream;
            if (log.LogContent) record.RequestJson = body.RootElement.GetProperty("messages").GetRawText();
        }
        catch (JsonException)
        {
            return Fail(new ChatRequestException("The request body is not valid JSON.", null));
        }
        catch (ChatRequestException ex)
        {
            return Fail(ex);
        }

        // From here the key's other calls are checked against this one's estimate, not after its answer.
        reserved = BudgetHold.Reserve(http, TokenReservations.Estimate(mapped.Call.Messages.Sum(m => (long)m.Content.Length), mapped.Call.MaxTokens));
        try
        {
            if (await gigaChat.TakeQuotaAsync(ct) is { } wait) return Finish(OpenAiErrors.QuotaExhausted(wait));
            if (mapped.Stream) return new ChatStreamResult(mapped, chat, log, record, started, reserved);

            var answer = await chat.ChatAsync(mapped.Call, ct);
            // GigaChat's "error" finish: the answer broke off inside GigaChat, not a short answer.
            if (answer.FinishReason == "error") throw GigaChatErrors.UpstreamError();
            var completion = ChatResponses.Completion(mapped, answer, time.GetUtcNow().ToUnixTimeSeconds());
            record.Model = answer.Model;
            (record.PromptTokens, record.CompletionTokens, record.TotalTokens) = (answer.Usage.PromptTokens, answer.Usage.CompletionTokens, answer.Usage.TotalTokens);
            record.ResponseText = completion.Choices[0].Message.Content;
            record.StatusCode = 200;
            record.DurationMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            log.Record(record, reserved);
            return TypedResults.Json(completion, OpenAiJson.Options);
        }
        catch (GigaChatException ex)
        {
            return Finish(OpenAiErrors.FromGigaChat(ex));
        }
        catch (Exception)
        {
            // Whatever ended the call (mostly the client leaving), the record says so and the reservation is settled.
            Settle(ct.IsCancellationRequested ? 499 : 500, ct.IsCancellationRequested ? "client_closed" : "internal_error");
            throw;
        }

        IResult Fail(ChatRequestException ex) => Finish(OpenAiErrors.BadRequest(ex));

        IResult Finish(OpenAiFailure failure)
        {
            Settle(failure.Status, failure.Error.Code);
            return failure.ToResult(http);
        }

        void Settle(int status, string? code)
        {
            record.StatusCode = status;
            record.ErrorCode = code;
            record.DurationMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            log.Record(record, reserved);
        }
    }
}
