using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GigaOffice.Clients;
using GigaOffice.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace GigaOffice.Tests.Clients;

public sealed class ClientKeyTests
{
    [Fact]
    public async Task Request_without_key_is_refused_with_problem_naming_both_headers()
    {
        await using var app = new TestApp().WithServiceDefaults().WithAuth();
        var response = await ApiCalls.ProcessAsync(app.CreateClient());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("Authorization: Bearer", problem.GetProperty("detail").GetString());
        Assert.Contains("X-API-Key", problem.GetProperty("detail").GetString());
        // Reading prompts and usage needs a key too; health and docs do not.
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().GetAsync("/api/prompts/categories")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().GetAsync("/api/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/docs/index.html")).StatusCode);
    }

    [Fact]
    public async Task Wrong_key_is_refused_and_both_header_forms_of_a_right_key_are_accepted()
    {
        await using var app = new TestApp().WithServiceDefaults().WithAuth();
        var (_, key) = await app.CreateKeyAsync("plugin");

        var wrong = await ApiCalls.ProcessAsync(app.ClientWithKey(key[..^1] + (key[^1] == 'A' ? "B" : "A")));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("Неверный API-ключ", (await wrong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());

        await ApiCalls.AcceptedIdAsync(await ApiCalls.ProcessAsync(app.ClientWithKey(key)));
        await ApiCalls.AcceptedIdAsync(await ApiCalls.ProcessAsync(app.ClientWithKey(key, bearer: true)));
        Assert.Equal(HttpStatusCode.OK, (await app.ClientWithKey(key).GetAsync("/api/prompts/categories")).StatusCode);
    }

    [Fact]
    public async Task Revoked_key_stops_working_at_once()
    {
        await using var app = new TestApp().WithServiceDefaults().WithAuth();
        var (id, key) = await app.CreateKeyAsync("plugin");
        var client = app.ClientWithKey(key);
        var requestId = await ApiCalls.AcceptedIdAsync(await ApiCalls.ProcessAsync(client));

        var admin = app.Admin();
        var revoke = await admin.DeleteAsync($"/api/admin/keys/{id}");
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.False((await revoke.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("active").GetBoolean());

        var refused = await client.GetAsync($"/api/ai/status/{requestId}");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("API-ключ отозван", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await ApiCalls.ProcessAsync(client)).StatusCode);
    }

    [Fact]
    public async Task Each_key_has_its_own_requests_per_minute_limit()
    {
        await using var app = new TestApp().WithServiceDefaults().WithAuth();
        var (_, limited) = await app.CreateKeyAsync("limited", requestsPerMinute: 2);
        var (_, other) = await app.CreateKeyAsync("other", requestsPerMinute: 2);
        var client = app.ClientWithKey(limited);

        await ApiCalls.AcceptedIdAsync(await ApiCalls.ProcessAsync(client));
        await ApiCalls.AcceptedIdAsync(await ApiCalls.ProcessAsync(client));
        var third = await ApiCalls.ProcessAsync(client);

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("application/problem+json", third.Content.Headers.ContentType?.MediaType);
        Assert.True(third.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After in seconds");
        var problem = await third.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Превышен лимит запросов в минуту", problem.GetProperty("title").GetString());
        // Another key is not affected, and polling the status is not limited.
        await ApiCalls.AcceptedIdAsync(await ApiCalls.ProcessAsync(app.ClientWithKey(other)));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/prompts/categories")).StatusCode);
    }

    [Fact]
    public async Task Daily_token_budget_counts_todays_requests_and_refuses_until_utc_midnight()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 10, 23, 0, 0, TimeSpan.Zero));
        await using var app = new TestApp(services: s => s.AddSingleton<TimeProvider>(clock)).WithServiceDefaults().WithAuth();
        var (id, key) = await app.CreateKeyAsync("budgeted", dailyTokenBudget: 1000);
        var (otherId, _) = await app.CreateKeyAsync("other", dailyTokenBudget: 1000);
        var client = app.ClientWithKey(key);

        // Yesterday's spending and another key's spending do not count.
        await app.WithDbAsync(async db =>
        {
            db.Requests.Add(Finished(id, new DateTime(2026, 3, 9, 22, 0, 0, DateTimeKind.Utc), tokens: 50_000));
            db.Requests.Add(Finished(otherId, new DateTime(2026, 3, 10, 1, 0, 0, DateTimeKind.Utc), tokens: 50_000));
            db.Requests.Add(Finished(id, new DateTime(2026, 3, 10, 1, 0, 0, DateTimeKind.Utc), tokens: 999));
            await db.SaveChangesAsync();
        });
        await ApiCalls.AcceptedIdAsync(await ApiCalls.ProcessAsync(client));

        await app.WithDbAsync(async db =>
        {
            db.Requests.Add(Finished(id, new DateTime(2026, 3, 10, 2, 0, 0, DateTimeKind.Utc), tokens: 1));
            await db.SaveChangesAsync();
        });
        var refused = await ApiCalls.ProcessAsync(client);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromHours(1), refused.Headers.RetryAfter?.Delta);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Исчерпан дневной бюджет токенов", problem.GetProperty("title").GetString());
        Assert.Equal(3600, problem.GetProperty("retry_after_seconds").GetInt64());

        clock.Advance(TimeSpan.FromHours(1));
        await ApiCalls.AcceptedIdAsync(await ApiCalls.ProcessAsync(client));
    }

    [Fact]
    public async Task One_client_cannot_read_another_clients_request_or_usage()
    {
        await using var app = new TestApp().WithServiceDefaults().WithAuth();
        var (_, alice) = await app.CreateKeyAsync("alice");
        var (_, bob) = await app.CreateKeyAsync("bob");
        var aliceClient = app.ClientWithKey(alice);
        var bobClient = app.ClientWithKey(bob);
        var id = await ApiCalls.AcceptedIdAsync(await ApiCalls.ProcessAsync(aliceClient));
        await ApiCalls.WaitFinishedAsync(aliceClient, id);

        Assert.Equal(HttpStatusCode.NotFound, (await bobClient.GetAsync($"/api/ai/status/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bobClient.GetAsync($"/api/ai/result/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await aliceClient.GetAsync($"/api/ai/result/{id}")).StatusCode);

        var aliceUsage = await aliceClient.GetFromJsonAsync<JsonElement>("/api/metrics");
        var bobUsage = await bobClient.GetFromJsonAsync<JsonElement>("/api/metrics");
        Assert.Equal(1, aliceUsage.GetProperty("total_requests").GetInt32());
        Assert.True(aliceUsage.GetProperty("tokens").GetProperty("total").GetInt64() > 0);
        Assert.Equal(0, bobUsage.GetProperty("total_requests").GetInt32());
    }

    [Fact]
    public async Task Admin_api_creates_lists_and_revokes_keys_and_needs_the_admin_key()
    {
        await using var app = new TestApp().WithServiceDefaults().WithAuth();
        var anonymous = app.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/admin/keys")).StatusCode);
        var wrongAdmin = app.CreateClient();
        wrongAdmin.DefaultRequestHeaders.Add("X-Admin-Key", TestApp.AdminKey + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrongAdmin.GetAsync("/api/admin/keys")).StatusCode);
        // A client key is not an admin key.
        var (_, clientKey) = await app.CreateKeyAsync("plugin");
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.ClientWithKey(clientKey).GetAsync("/api/admin/keys")).StatusCode);

        var admin = app.Admin();
        var invalid = await admin.PostAsJsonAsync("/api/admin/keys", new { name = "", requests_per_minute = 0 });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var errors = (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("name", out _));
        Assert.True(errors.TryGetProperty("requests_per_minute", out _));

        var created = await admin.PostAsJsonAsync("/api/admin/keys", new { name = "accounting", requests_per_minute = 30, daily_token_budget = 5000 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var key = body.GetProperty("api_key").GetString()!;
        Assert.StartsWith(body.GetProperty("prefix").GetString()!, key);
        await ApiCalls.AcceptedIdAsync(await ApiCalls.ProcessAsync(app.ClientWithKey(key)));

        var listText = await admin.GetStringAsync("/api/admin/keys");
        Assert.DoesNotContain(key, listText);
        Assert.DoesNotContain(ClientKeyStore.Hash(key), listText);
        var listed = JsonSerializer.Deserialize<JsonElement>(listText).EnumerateArray().Single(k => k.GetProperty("name").GetString() == "accounting");
        Assert.Equal(30, listed.GetProperty("requests_per_minute").GetInt32());
        Assert.Equal(5000, listed.GetProperty("daily_token_budget").GetInt64());

        // Only the hash is stored.
        await app.WithDbAsync(async db =>
        {
            var stored = db.ClientKeys.Single(k => k.Name == "accounting");
            Assert.Equal(ClientKeyStore.Hash(key), stored.KeyHash);
            Assert.NotEqual(key, stored.KeyHash);
            await Task.CompletedTask;
        });

        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/admin/keys/{listed.GetProperty("prefix").GetString()}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ApiCalls.ProcessAsync(app.ClientWithKey(key))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/admin/keys/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task Admin_api_is_off_without_an_admin_key()
    {
        await using var app = new TestApp(new() { ["Auth:Mode"] = "required" }).WithServiceDefaults();
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Admin-Key", "anything-at-all-long-enough");
        var response = await client.GetAsync("/api/admin/keys");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("GIGAOFFICE_ADMIN_KEY", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Keys_command_creates_lists_and_revokes_showing_the_secret_only_once()
    {
        await using var app = new TestApp(new() { ["Auth:Mode"] = "required" }).WithServiceDefaults();
        await app.WaitForDatabaseAsync();

        var output = new StringWriter();
        Assert.Equal(0, await ClientKeyCommands.RunAsync(app.Services, ["create", "--name", "plugin", "--rpm", "7", "--daily-tokens", "1234"], output));
        var key = output.ToString().Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith(ClientKeyStore.KeyPrefix));
        await ApiCalls.AcceptedIdAsync(await ApiCalls.ProcessAsync(app.ClientWithKey(key)));

        var list = new StringWriter();
        Assert.Equal(0, await ClientKeyCommands.RunAsync(app.Services, ["list"], list));
        Assert.Contains("plugin", list.ToString());
        Assert.Contains(key[..12], list.ToString());
        Assert.DoesNotContain(key, list.ToString());
        Assert.Contains("/1234", list.ToString());

        Assert.Equal(0, await ClientKeyCommands.RunAsync(app.Services, ["revoke", key[..12]], new StringWriter()));
        Assert.Equal(HttpStatusCode.Unauthorized, (await ApiCalls.ProcessAsync(app.ClientWithKey(key))).StatusCode);

        Assert.Equal(2, await ClientKeyCommands.RunAsync(app.Services, ["create", "--rpm", "7"], new StringWriter()));
        Assert.Equal(2, await ClientKeyCommands.RunAsync(app.Services, ["create", "--name", "x", "--rpm", "many"], new StringWriter()));
        Assert.Equal(1, await ClientKeyCommands.RunAsync(app.Services, ["revoke", "gok_nosuchkey"], new StringWriter()));
    }

    [Fact]
    public async Task On_localhost_by_default_the_service_is_open_and_says_so()
    {
        await using var app = new TestApp().WithServiceDefaults();
        var id = await ApiCalls.AcceptedIdAsync(await ApiCalls.ProcessAsync(app.CreateClient()));
        await ApiCalls.WaitFinishedAsync(app.CreateClient(), id);
        // A key is not needed and not checked.
        await ApiCalls.AcceptedIdAsync(await ApiCalls.ProcessAsync(app.ClientWithKey("gok_not-a-real-key")));
        Assert.Contains("Client authentication is off", app.ReadLogs());
    }

    [Fact]
    public async Task Listening_beyond_localhost_requires_keys_unless_switched_off_with_a_warning()
    {
        await using (var open = new TestApp(new() { ["Server:Host"] = "0.0.0.0" }).WithServiceDefaults())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await ApiCalls.ProcessAsync(open.CreateClient())).StatusCode);
            Assert.Contains("Client authentication is on (listening beyond localhost (http://0.0.0.0:", open.ReadLogs());
        }
        await using var off = new TestApp(new() { ["Server:Host"] = "0.0.0.0", ["Auth:Mode"] = "off" }).WithServiceDefaults();
        await ApiCalls.AcceptedIdAsync(await ApiCalls.ProcessAsync(off.CreateClient()));
        Assert.Contains("[WRN]", off.ReadLogs().Split('\n').Single(l => l.Contains("Client authentication is OFF")));
    }

    [Theory]
    [InlineData(null, null, null, "", false)]
    [InlineData("127.0.0.1", null, null, "", false)]
    [InlineData("::1", null, null, "", false)]
    [InlineData("0.0.0.0", null, null, "", true)]
    [InlineData("gigaoffice.example.com", null, null, "", true)]
    [InlineData("localhost", "http://+:8000", null, "", true)]
    [InlineData("0.0.0.0", "http://127.0.0.1:8000;http://[::1]:8000", null, "", false)]
    [InlineData("0.0.0.0", null, "off", "", false)]
    [InlineData("localhost", null, "required", "", true)]
    // What the server bound decides, whatever the settings say (issue 33: Kestrel__Endpoints beside HOST).
    [InlineData("127.0.0.1", null, null, "http://127.0.0.1:8000", false)]
    [InlineData("127.0.0.1", null, null, "http://localhost:8000;http://[::1]:8000", false)]
    [InlineData("127.0.0.1", null, null, "http://0.0.0.0:8000", true)]
    [InlineData("127.0.0.1", null, null, "http://127.0.0.1:8000;http://[::]:8001", true)]
    [InlineData("127.0.0.1", null, "off", "http://0.0.0.0:8000", false)]
    public void Authentication_is_on_whenever_the_service_listens_beyond_localhost(string? host, string? urls, string? mode, string bound, bool required)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Server:Host"] = host, ["urls"] = urls, ["Auth:Mode"] = mode,
        }).Build();
        var resolved = ClientAuthMode.Resolve(configuration);
        // Until the server has bound, auto mode requires keys.
        Assert.True(resolved.Required || mode == "off");
        resolved.ApplyBoundAddresses(bound.Split(';', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(required, resolved.Required);
        Assert.Equal(mode == "off" && (host == "0.0.0.0" || bound.Contains("0.0.0.0")), resolved.ExplicitlyOffBeyondLocalhost);
    }

    private static AiRequest Finished(Guid keyId, DateTime createdAt, int tokens) => new()
    {
        Id = Guid.CreateVersion7(), Status = RequestStatus.Completed, QueryText = "q", Category = "spreadsheet-analysis",
        ClientKeyId = keyId, CreatedAt = createdAt, CompletedAt = createdAt, TotalTokens = tokens,
    };
}
