using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GigaOffice.Data;

namespace GigaOffice.Tests.Clients;

/// <summary>Issue 26: every endpoint that can spend GigaChat quota enforces the key's limits, not only /api/ai/process.</summary>
public sealed class SpendingLimitsTests
{
    private static Task<HttpResponseMessage> StructuredAsync(HttpClient client) =>
        client.PostAsJsonAsync("/api/v1/ai/process", new
        {
            query_text = "Проанализируй данные продаж",
            data = new { header = new { values = new[] { "Товар", "Сумма" } }, rows = new[] { new { values = new object[] { "A", 100 } } } },
        });

    private static Task<HttpResponseMessage> ClassifyAsync(HttpClient client) =>
        client.PostAsJsonAsync("/api/prompts/classify", new { query_text = "Построй диаграмму продаж по месяцам" });

    public static TheoryData<string> Endpoints => ["structured", "classify"];

    private static Task<HttpResponseMessage> CallAsync(string endpoint, HttpClient client) =>
        endpoint == "structured" ? StructuredAsync(client) : ClassifyAsync(client);

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Per_minute_limit_answers_429_with_retry_after(string endpoint)
    {
        await using var app = new TestApp().WithServiceDefaults().WithAuth();
        var (_, key) = await app.CreateKeyAsync("limited", requestsPerMinute: 2, dailyTokenBudget: 3000);
        var client = app.ClientWithKey(key);

        Assert.True((await CallAsync(endpoint, client)).IsSuccessStatusCode);
        Assert.True((await CallAsync(endpoint, client)).IsSuccessStatusCode);
        var refused = await CallAsync(endpoint, client);

        await AssertLimitAsync(refused, "Превышен лимит запросов в минуту");
        // Reads are not limited.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/prompts/categories")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Daily_token_budget_answers_429_once_spent(string endpoint)
    {
        await using var app = new TestApp().WithServiceDefaults().WithAuth();
        var (id, key) = await app.CreateKeyAsync("budgeted", requestsPerMinute: 1000, dailyTokenBudget: 3000);
        await app.WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            db.Requests.Add(new AiRequest
            {
                Id = Guid.CreateVersion7(), Status = RequestStatus.Completed, QueryText = "q", Category = "spreadsheet-analysis",
                ClientKeyId = id, CreatedAt = now, CompletedAt = now, TotalTokens = 3000,
            });
            await db.SaveChangesAsync();
        });

        await AssertLimitAsync(await CallAsync(endpoint, app.ClientWithKey(key)), "Исчерпан дневной бюджет токенов");
    }

    private static async Task AssertLimitAsync(HttpResponseMessage refused, string title)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After in seconds");
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(title, problem.GetProperty("title").GetString());
    }
}
