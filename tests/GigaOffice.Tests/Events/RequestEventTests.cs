using System.Net;
using System.Text.Json;

namespace GigaOffice.Tests.Events;

/// <summary>GET /api/ai/events/{id} on the embedded default (SQLite, in-process queue, dry-run model).</summary>
public sealed class RequestEventTests
{
    private static async Task<HttpResponseMessage> OpenAsync(HttpClient client, Guid id, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/ai/events/{id}");
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    [Fact]
    public async Task A_stream_tells_each_status_then_the_result_and_ends()
    {
        // No periodic re-read: the worker's wake-up and the SQLite watcher must bring the news.
        await using var app = new TestApp(new() { ["GigaChat:DryRunDelayMs"] = "600", ["Events:RecheckSeconds"] = "3600", ["Events:HeartbeatSeconds"] = "300" }).WithServiceDefaults().WithAuth();
        var (_, key) = await app.CreateKeyAsync("owner");
        var (_, otherKey) = await app.CreateKeyAsync("other");
        var client = app.ClientWithKey(key, bearer: true);
        var id = await ApiCalls.AcceptedIdAsync(await ApiCalls.ProcessAsync(client));

        var response = await OpenAsync(client, id);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var (events, _) = await SseReader.ReadToEndAsync(response, TimeSpan.FromSeconds(60));

        Assert.Equal("completed", events[^1].Event);
        Assert.Contains(events, e => e.Event == "processing");
        Assert.All(events, e => Assert.Contains(e.Event, new[] { "queued", "processing", "completed" }));
        var ids = events.Select(e => long.Parse(e.Id!)).ToList();
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var final = JsonDocument.Parse(events[^1].Data).RootElement;
        Assert.Equal(id, final.GetProperty("request_id").GetGuid());
        Assert.Equal("completed", final.GetProperty("status").GetString());
        Assert.Equal($"/api/ai/result/{id}", final.GetProperty("result_url").GetString());
        Assert.False(string.IsNullOrEmpty(final.GetProperty("result").GetProperty("result").GetProperty("text").GetString()));

        // Reconnecting after the end: nothing new, the stream ends at once; from an earlier id, only the end.
        var again = await SseReader.ReadToEndAsync(await OpenAsync(client, id, events[^1].Id), TimeSpan.FromSeconds(30));
        Assert.Empty(again.Events);
        var resumed = await SseReader.ReadToEndAsync(await OpenAsync(client, id, ids[0].ToString()), TimeSpan.FromSeconds(30));
        Assert.Equal(["completed"], resumed.Events.Select(e => e.Event));

        // Another key's request does not exist for this client.
        Assert.Equal(HttpStatusCode.NotFound, (await OpenAsync(app.ClientWithKey(otherKey), id)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await OpenAsync(client, Guid.NewGuid())).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/ai/events/not-a-uuid")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().GetAsync($"/api/ai/events/{id}")).StatusCode);
    }

    [Fact]
    public async Task A_quiet_stream_sends_heartbeats_and_ends_at_its_maximum_duration()
    {
        await using var app = new TestApp(new()
        {
            ["GigaChat:DryRunDelayMs"] = "9000",
            ["Events:HeartbeatSeconds"] = "1",
            ["Events:MaxDurationSeconds"] = "5",
        }).WithServiceDefaults().WithAuth();
        var (_, key) = await app.CreateKeyAsync("patient");
        var client = app.ClientWithKey(key);
        var id = await ApiCalls.AcceptedIdAsync(await ApiCalls.ProcessAsync(client));

        var (events, comments) = await SseReader.ReadToEndAsync(await OpenAsync(client, id), TimeSpan.FromSeconds(60));
        Assert.DoesNotContain(events, e => e.Event == "completed");
        Assert.True(comments.Count(c => c == "heartbeat") >= 2, string.Join(" | ", comments));
        Assert.Contains(comments, c => c.Contains("maximum duration"));

        // The client reconnects where it left off and gets the rest.
        var rest = await SseReader.ReadToEndAsync(await OpenAsync(client, id, events[^1].Id), TimeSpan.FromSeconds(60));
        Assert.Equal("completed", rest.Events[^1].Event);
        Assert.DoesNotContain(rest.Events, e => e.Id == events[^1].Id);
    }
}
