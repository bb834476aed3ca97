using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GigaOffice.Clients;
using GigaOffice.Configuration;
using GigaOffice.Data;
using GigaOffice.Data.Postgres;
using GigaOffice.GigaChat;
using GigaOffice.Requests;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace GigaOffice.Events;

/// <summary>
/// GET /api/ai/events/{request_id}: the request's progress as server-sent events instead of polls.
/// One event per status (queued, processing, completed, failed), its data the status JSON (the last
/// one with the result and its URL), then the stream ends. Event ids grow with every change, so a
/// client that reconnects with Last-Event-ID gets only what it has not seen.
/// </summary>
public static class RequestEventEndpoints
{
    public static IServiceCollection AddRequestEvents(this IServiceCollection services, IConfiguration configuration)
    {
        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        services.AddOptions<EventsOptions>().Bind(configuration.GetSection(EventsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RequestEventHub>();
        if (database.UsePostgres) services.AddSingleton<IPostgresNotificationHandler, PostgresStatusListener>();
        else services.AddHostedService<SqliteStatusWatcher>();
        return services;
    }

    public static IEndpointRouteBuilder MapRequestEvents(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/ai").WithTags("Запросы к ИИ").RequireClientAccess().WithClientLimits();
        // A read, like the status it streams: no quota spent, so the client limits skip it.
        group.MapGet("/events/{request_id}", StreamAsync).Free()
            .WithSummary("События обработки запроса (text/event-stream)")
            .WithDescription("event: queued | processing | completed | failed, data: JSON статуса; последнее событие — с результатом и result_url, затем поток закрывается. " +
                             "Комментарий-пульс каждые 15 с; Last-Event-ID при переподключении пропускает уже полученные события. " +
                             "С GIGACHAT_STREAM_PROGRESS=true события processing без id несут поле text — уже написанный моделью текст ответа.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    internal static async Task<Results<EmptyHttpResult, ProblemHttpResult, ValidationProblem>> StreamAsync(
        string request_id, HttpContext http, RequestEventHub hub, IServiceScopeFactory scopes, IOptions<EventsOptions> options, TimeProvider time)
    {
        if (!Guid.TryParse(request_id, out var id)) return RequestEndpoints.InvalidId();
        var ct = http.RequestAborted;
        // Subscribed before the first read: a change right after it still wakes this stream.
        using var subscription = hub.Subscribe(id);
        var status = await ReadStatusAsync(scopes, id, http, ct);
        if (status is null) return RequestEndpoints.NotFound(id);

        var o = options.Value;
        var heartbeat = TimeSpan.FromSeconds(o.HeartbeatSeconds);
        var recheck = TimeSpan.FromSeconds(o.RecheckSeconds);
        var ends = time.GetUtcNow() + TimeSpan.FromSeconds(o.MaxDurationSeconds);
        var lastSent = LastEventId(http);
        var textSent = 0; // length of the streamed text this connection has sent, for the current attempt
        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        try
        {
            await WriteAsync(response, "retry: 2000\n\n", ct);
            var lastWrite = time.GetUtcNow();
            while (true)
            {
                var eventId = EventId(status);
                if (eventId > lastSent)
                {
                    await WriteAsync(response, await EventAsync(scopes, status, eventId, http, ct), ct);
                    (lastSent, textSent) = (eventId, 0);
                    lastWrite = time.GetUtcNow();
                }
                // The model's text so far, while this instance streams it (GIGACHAT_STREAM_PROGRESS). No id:
                // a client that reconnects is sent the whole text again, not a status it has seen.
                if (status.Status == RequestStatus.Processing && hub.StreamedText(id) is { } text && text.Length > textSent)
                {
                    await WriteAsync(response, TextEvent(status, text), ct);
                    textSent = text.Length;
                    lastWrite = time.GetUtcNow();
                }
                if (status.Status is RequestStatus.Completed or RequestStatus.Failed) break;

                var now = time.GetUtcNow();
                if (now >= ends)
                {
                    await WriteAsync(response, ": the stream's maximum duration is reached; reconnect with Last-Event-ID\n\n", ct);
                    break;
                }
                var untilHeartbeat = lastWrite + heartbeat - now;
                var wait = new[] { untilHeartbeat, ends - now, recheck }.Min();
                if (!await subscription.WaitAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, ct) && time.GetUtcNow() >= lastWrite + heartbeat)
                {
                    await WriteAsync(response, ": heartbeat\n\n", ct);
                    lastWrite = time.GetUtcNow();
                }
                // Gone meanwhile (retention): the stream ends, there is nothing more to tell.
                if (await ReadStatusAsync(scopes, id, http, ct) is not { } next) break;
                status = next;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (IOException)
        {
            // The connection broke while writing.
        }
        return TypedResults.Empty;
    }

    /// <summary>
    /// Grows with every status change: attempts count the takes into work, and within one attempt
    /// processing comes before a return to the queue, which comes before the end.
    /// </summary>
    internal static long EventId(RequestStatusResponse status) => status.Attempts * 4L + status.Status switch
    {
        RequestStatus.Processing => 1,
        RequestStatus.Queued => 2,
        _ => 3,
    };

    private static long LastEventId(HttpContext http)
    {
        var header = http.Request.Headers["Last-Event-ID"].ToString();
        if (header.Length == 0) header = http.Request.Query["last_event_id"].ToString();
        return long.TryParse(header, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : -1;
    }

    private static async Task<RequestStatusResponse?> ReadStatusAsync(IServiceScopeFactory scopes, Guid id, HttpContext http, CancellationToken ct)
    {
        // A short scope per read: a long stream must not hold a pooled database context.
        await using var scope = scopes.CreateAsyncScope();
        return await RequestLookup.StatusAsync(scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>(), id, http, ct);
    }

    private static async Task<string> EventAsync(IServiceScopeFactory scopes, RequestStatusResponse status, long eventId, HttpContext http, CancellationToken ct)
    {
        var data = StatusData(status);
        if (status.Status is RequestStatus.Completed or RequestStatus.Failed)
        {
            data["result_url"] = $"/api/ai/result/{status.RequestId}";
            await using var scope = scopes.CreateAsyncScope();
            if (await RequestLookup.FindAsync(scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>(), status.RequestId, http, ct) is { } request)
                data["result"] = JsonSerializer.SerializeToNode(RequestResultResponse.Of(request), GigaOfficeJson.Options);
        }
        return Event(eventId, status.Status, data);
    }

    private static string TextEvent(RequestStatusResponse status, string text)
    {
        var data = StatusData(status);
        data["text"] = text;
        return Event(null, status.Status, data);
    }

    private static JsonObject StatusData(RequestStatusResponse status) => JsonSerializer.SerializeToNode(status, GigaOfficeJson.Options)!.AsObject();

    private static string Event(long? id, string name, JsonObject data)
    {
        var text = new StringBuilder();
        if (id is { } value) text.Append("id: ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append("event: ").Append(name).Append('\n');
        text.Append("data: ").Append(data.ToJsonString(GigaOfficeJson.Options)).Append("\n\n");
        return text.ToString();
    }

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken ct)
    {
        await response.WriteAsync(text, ct);
        await response.Body.FlushAsync(ct);
    }
}
