using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using GigaOffice.GigaChat;

namespace GigaOffice.Tests.TestSupport;

/// <summary>The service's request API as tests call it: submit, wait, read, each failing loudly on a wrong status.</summary>
public static class ApiCalls
{
    public static JsonSerializerOptions Json => GigaOfficeJson.Options;

    public static async Task<JsonElement> PostJsonAsync(this HttpClient client, string url, object body, int expectedStatus)
    {
        var response = await client.PostAsJsonAsync(url, body);
        return await response.ReadAsync(expectedStatus);
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string url, int expectedStatus = 200)
    {
        var response = await client.GetAsync(url);
        return await response.ReadAsync(expectedStatus);
    }

    public static async Task<JsonElement> ReadAsync(this HttpResponseMessage response, int expectedStatus)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expectedStatus, $"Expected {expectedStatus}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>A small analysis request, answered as it is (the status code is the caller's to check).</summary>
    public static Task<HttpResponseMessage> ProcessAsync(this HttpClient client, string query = "Проанализируй данные продаж") =>
        client.PostAsJsonAsync("/api/ai/process", new
        {
            query_text = query,
            input_range = "A1:B3",
            input_data = new object[][] { ["Товар", "Сумма"], ["A", 100], ["B", 80] },
        });

    public static async Task<Guid> AcceptedIdAsync(this HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("request_id").GetGuid();
    }

    public static async Task<Guid> SubmitAsync(this HttpClient client, object body)
    {
        var accepted = await client.PostJsonAsync("/api/ai/process", body, 202);
        return accepted.GetProperty("request_id").GetGuid();
    }

    /// <summary>Polls the status until the request is finished; fails loudly if it never is (no timing is asserted).</summary>
    public static async Task<JsonElement> WaitFinishedAsync(this HttpClient client, Guid id, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var status = await client.GetJsonAsync($"/api/ai/status/{id}");
            var state = status.GetProperty("status").GetString();
            if (state is "completed" or "failed") return status;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Request {id} still {state}: {status}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits until the request is completed or failed and returns its result document.</summary>
    public static async Task<JsonElement> WaitResultAsync(this HttpClient client, Guid id, TimeSpan? timeout = null)
    {
        await client.WaitFinishedAsync(id, timeout);
        return await client.GetJsonAsync($"/api/ai/result/{id}");
    }

    public static async Task<JsonElement> ProcessToResultAsync(this HttpClient client, object body) =>
        await client.WaitResultAsync(await client.SubmitAsync(body));

    public static string? ErrorCode(this JsonElement result) =>
        result.GetProperty("error") is { ValueKind: JsonValueKind.Object } error ? error.GetProperty("code").GetString() : null;

    /// <summary>Submits to any API (<paramref name="path"/>), then polls the result under <paramref name="resultPrefix"/> until it is finished.</summary>
    public static async Task<JsonObject> RunAsync(this HttpClient client, string path, object body, string resultPrefix = "/api/ai")
    {
        var accepted = await client.PostAsJsonAsync(path, body, Json);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (await accepted.Content.ReadFromJsonAsync<JsonObject>())!["request_id"]!.GetValue<string>();
        return await client.ResultAsync(id, resultPrefix);
    }

    public static async Task<JsonObject> ResultAsync(this HttpClient client, string id, string prefix = "/api/ai")
    {
        for (var i = 0; i < 400; i++)
        {
            var response = await client.GetAsync($"{prefix}/result/{id}");
            if (response.StatusCode == HttpStatusCode.OK) return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            await Task.Delay(50);
        }
        throw new TimeoutException($"request {id} did not finish");
    }
}
