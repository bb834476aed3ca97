using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GigaOffice.Tests.Requests;

/// <summary>In dry-run mode a model call shows as non-zero tokens; a cache hit has none and names its source.</summary>
public sealed class ResultCacheTests : IDisposable
{
    private readonly TestApp _app = new TestApp().WithServiceDefaults().WithAdminKey();
    public void Dispose() => _app.Dispose();

    private static object Request(string query = "Посчитай среднее по каждому товару", string range = "A1:D3") =>
        new { query_text = query, category = "analysis", input_range = range, input_data = TestPrompts.Sales };

    [Fact]
    public async Task The_cache_lookup_reads_its_index_not_every_completed_request()
    {
        // SQLite has no statistics to go by: with CacheKey alone indexed it chose (Status, CreatedAt) and
        // read every completed row for each request processed, so workers slowed as the table grew.
        _app.CreateClient();
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GigaOffice.Data.GigaOfficeDbContext>();
        var sql = GigaOffice.Data.RequestStore.CacheSources(db, "key", DateTime.UtcNow, Guid.NewGuid()).Select(r => r.Id).ToQueryString();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var explain = connection.CreateCommand();
        // Parameters stay unbound (NULL): the plan does not depend on their values.
        explain.CommandText = "EXPLAIN QUERY PLAN " + string.Join('\n', sql.Split('\n').Where(line => !line.StartsWith(".param")));
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
            while (await reader.ReadAsync()) plan.Add(reader.GetString(3));

        Assert.Contains(plan, step => step.Contains("IX_ai_requests_CacheKey_CompletedAt"));
        Assert.DoesNotContain(plan, step => step.Contains("TEMP B-TREE"));
    }

    [Fact]
    public void The_cache_key_is_the_hash_of_the_length_prefixed_parts_whatever_their_size()
    {
        // Keys already stored must keep matching: the key is hashed piece by piece now, over the same bytes.
        static string Expected(params string[] parts) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(string.Concat(parts.Select(p => $"{p.Length}:{p}|")))));
        // Longer than the hashing buffer, with pairs of surrogates across its edges, Cyrillic, escapes.
        var table = System.Text.Json.JsonSerializer.Serialize(Enumerable.Range(0, 3000).Select(i => new object[] { $"Строка {i} 😀", i * 1.5, "a\"b" }),
            GigaOffice.GigaChat.GigaOfficeJson.Options);
        foreach (var data in new[] { null, "[]", table, table + "😀" })
        {
            var request = new GigaOffice.Data.AiRequest
            {
                Category = "spreadsheet-analysis", QueryText = "  Найди   тренды \n продаж ", InputRange = "A1:C3000",
                InputDataJson = data is null ? null : System.Text.Encoding.UTF8.GetBytes(data),
                InputStylesJson = data is null ? null : "{\"styles\":[]}",
            };
            Assert.Equal(Expected("v1", "dryrun", "GigaChat-dryrun", "spreadsheet-analysis", "3", "Найди тренды продаж", "A1:C3000",
                    data ?? "", data is null ? "" : "{\"styles\":[]}", ""),
                GigaOffice.Requests.ResultCacheKey.For(request, 3, "dryrun", "GigaChat-dryrun"));
        }
    }

    [Fact]
    public async Task An_identical_request_is_answered_from_the_cache_without_tokens()
    {
        var client = _app.CreateClient();
        var first = await client.RunAsync("/api/ai/process", Request());
        Assert.False(first["cached"]!.GetValue<bool>());
        Assert.True(first["tokens"]!["total"]!.GetValue<int>() > 0);

        // Extra spaces do not make a different request.
        var second = await client.RunAsync("/api/ai/process", Request("  Посчитай   среднее по каждому товару "));
        Assert.Equal("completed", second["status"]!.GetValue<string>());
        Assert.True(second["cached"]!.GetValue<bool>());
        Assert.Equal(first["request_id"]!.GetValue<string>(), second["cached_from"]!.GetValue<string>());
        Assert.Equal(0, second["tokens"]!["total"]!.GetValue<int>());
        Assert.True(JsonNode.DeepEquals(first["result"], second["result"]));
        Assert.Equal(first["prompt_version"]!.GetValue<int>(), second["prompt_version"]!.GetValue<int>());

        // A third re-run still points at the original answer, and the structured API says the same.
        var third = await client.RunAsync("/api/v1/ai/process", new
        {
            query_text = "Посчитай среднее по каждому товару", category = "analysis",
            worksheet = new { range = "A1:D3" },
            data = new { header = new { values = new object[] { "Товар", "Январь", "Февраль", "Март" } }, rows = new[] { new { values = new object[] { "Товар A", 100, 120, 110 } }, new { values = new object[] { "Товар B", 80, 90, 95 } } } },
        }, "/api/v1/ai");
        Assert.True(third["cached"]!.GetValue<bool>());
        Assert.Equal(first["request_id"]!.GetValue<string>(), third["cached_from"]!.GetValue<string>());

        var metrics = await client.GetFromJsonAsync<JsonObject>("/api/metrics");
        Assert.Equal(2, metrics!["cache_hits"]!.GetValue<int>());
        Assert.Equal(first["tokens"]!["total"]!.GetValue<int>(), metrics["tokens"]!["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_different_query_range_category_or_prompt_version_is_not_a_hit()
    {
        var client = _app.CreateClient();
        await client.RunAsync("/api/ai/process", Request());
        Assert.False((await client.RunAsync("/api/ai/process", Request("Посчитай сумму по каждому товару")))["cached"]!.GetValue<bool>());
        Assert.False((await client.RunAsync("/api/ai/process", Request(range: "B2:E4")))["cached"]!.GetValue<bool>());
        var chart = await client.RunAsync("/api/ai/process", new { query_text = "Посчитай среднее по каждому товару", category = "data-chart", input_range = "A1:D3", input_data = TestPrompts.Sales });
        Assert.False(chart["cached"]!.GetValue<bool>());

        await _app.Admin().PatchAsJsonAsync("/api/admin/categories/spreadsheet-analysis", new { system_prompt = "Новая версия промпта." }, ApiCalls.Json);
        var afterChange = await client.RunAsync("/api/ai/process", Request());
        Assert.False(afterChange["cached"]!.GetValue<bool>());
        Assert.Equal(2, afterChange["prompt_version"]!.GetValue<int>());
        Assert.True((await client.RunAsync("/api/ai/process", Request()))["cached"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_zero_ttl_turns_caching_off()
    {
        using var app = new TestApp(new() { ["ResultCache:TtlSeconds"] = "0" }).WithServiceDefaults().WithAdminKey();
        var client = app.CreateClient();
        await client.RunAsync("/api/ai/process", Request());
        var second = await client.RunAsync("/api/ai/process", Request());
        Assert.False(second["cached"]!.GetValue<bool>());
        Assert.True(second["tokens"]!["total"]!.GetValue<int>() > 0);
    }
}
