using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace GigaOffice.Tests.Admin;

/// <summary>One service with an admin key over a fresh database of the backend.</summary>
public sealed class AdminConsoleApp<TBackend> : IAsyncLifetime where TBackend : BackendFixture, new()
{
    public const string AdminKey = "Adm1n-console-TEST-key-7f3c9e1b5d2a8f64";
    public TBackend Backend { get; } = new();
    public TestApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Backend.InitializeAsync();
        App = (await Backend.CreateAsync()).CreateApp(new Dictionary<string, string?> { ["Admin:ApiKey"] = AdminKey });
    }

    public async Task DisposeAsync()
    {
        if (App is not null) await App.DisposeAsync();
        await Backend.DisposeAsync();
    }
}

/// <summary>A console session, as the browser holds it: the cookie and the CSRF token; the key only to sign in.</summary>
public sealed record ConsoleSession(HttpClient Http, string Cookie, string CsrfToken, HttpResponseMessage SignIn)
{
    public static async Task<ConsoleSession> StartAsync(TestApp app, string key)
    {
        var http = app.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });
        var response = await http.PostAsJsonAsync("/admin/api/session", new { admin_key = key });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var setCookie = response.Headers.GetValues("Set-Cookie").Single();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new ConsoleSession(http, setCookie.Split(';')[0], body.GetProperty("csrf_token").GetString()!, response);
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, object? body = null, bool withCsrf = true)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Add("Cookie", Cookie);
        if (withCsrf) request.Headers.Add("X-CSRF-Token", CsrfToken);
        if (body is not null) request.Content = JsonContent.Create(body);
        return Http.SendAsync(request);
    }
}

public abstract class AdminConsoleTests<TBackend>(AdminConsoleApp<TBackend> fixture) : IClassFixture<AdminConsoleApp<TBackend>>
    where TBackend : BackendFixture, new()
{
    private TestApp App => fixture.App;

    [Fact]
    public async Task Session_cookie_is_http_only_strict_and_expiring_and_the_dashboard_counts_what_was_submitted()
    {
        var client = App.CreateClient();
        var finished = new List<JsonElement>();
        foreach (var query in new[] { "Посчитай сумму по товарам", "Найди максимум" })
            finished.Add(await client.ProcessToResultAsync(new { query_text = query, category = "spreadsheet-analysis", input_range = "A1:B3",
                input_data = new object[] { new object[] { "Товар", "Сумма" }, new object[] { "Яблоки", 120 }, new object[] { "Груши", 80 } } }));

        var session = await ConsoleSession.StartAsync(App, AdminConsoleApp<TBackend>.AdminKey);
        var setCookie = session.SignIn.Headers.GetValues("Set-Cookie").Single().ToLowerInvariant();
        Assert.Contains("httponly", setCookie);
        Assert.Contains("samesite=strict", setCookie);
        Assert.Contains("expires=", setCookie);
        Assert.DoesNotContain(AdminConsoleApp<TBackend>.AdminKey.ToLowerInvariant(), setCookie);

        var dashboard = await (await session.SendAsync(HttpMethod.Get, "/api/admin/dashboard?period=1h", withCsrf: false)).ReadAsync(200);
        var listed = await (await session.SendAsync(HttpMethod.Get, "/api/admin/requests?period=1h&limit=200", withCsrf: false)).ReadAsync(200);
        Assert.True(dashboard.GetProperty("summary").GetProperty("total_requests").GetInt32() >= 2);
        Assert.Equal(listed.GetArrayLength(), dashboard.GetProperty("summary").GetProperty("total_requests").GetInt32());
        Assert.Equal(dashboard.GetProperty("summary").GetProperty("total_requests").GetInt32(),
            dashboard.GetProperty("timeline").EnumerateArray().Sum(b => b.GetProperty("completed").GetInt32() + b.GetProperty("failed").GetInt32() + b.GetProperty("pending").GetInt32()));

        var id = finished[0].GetProperty("request_id").GetString();
        var found = await (await session.SendAsync(HttpMethod.Get, $"/api/admin/requests?id={id}", withCsrf: false)).ReadAsync(200);
        Assert.Equal(id, found.EnumerateArray().Single().GetProperty("request_id").GetString());
        var story = await (await session.SendAsync(HttpMethod.Get, $"/api/admin/requests/{id}", withCsrf: false)).ReadAsync(200);
        Assert.Equal(3, story.GetProperty("table_rows").GetInt32());
        Assert.Equal(2, story.GetProperty("table_columns").GetInt32());
    }

    [Fact]
    public async Task Search_lists_failed_requests_first_and_filters_by_correlation_id()
    {
        var failedId = Guid.CreateVersion7();
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GigaOffice.Data.GigaOfficeDbContext>();
            db.Requests.Add(new GigaOffice.Data.AiRequest
            {
                Id = failedId, Status = "failed", QueryText = "Старый неудачный", Category = "spreadsheet-analysis", CorrelationId = "corr-admin-search",
                CreatedAt = DateTime.UtcNow.AddMinutes(-30), CompletedAt = DateTime.UtcNow.AddMinutes(-30), ErrorCode = "invalid_answer",
                RawAnswer = "не JSON", PublishedAt = DateTime.UtcNow,
            });
            await db.SaveChangesAsync();
        }
        var client = App.CreateClient();
        await client.ProcessToResultAsync(new { query_text = "Новый успешный запрос", category = "spreadsheet-analysis", input_range = "A1:A2",
            input_data = new object[] { new object[] { "x" }, new object[] { 1 } } });

        var session = await ConsoleSession.StartAsync(App, AdminConsoleApp<TBackend>.AdminKey);
        var all = await (await session.SendAsync(HttpMethod.Get, "/api/admin/requests?period=1h", withCsrf: false)).ReadAsync(200);
        Assert.Equal(failedId.ToString(), all[0].GetProperty("request_id").GetString());
        var byCorrelation = await (await session.SendAsync(HttpMethod.Get, "/api/admin/requests?correlation_id=corr-admin-search", withCsrf: false)).ReadAsync(200);
        Assert.Equal("invalid_answer", byCorrelation.EnumerateArray().Single().GetProperty("error_code").GetString());
        var story = await (await session.SendAsync(HttpMethod.Get, $"/api/admin/requests/{failedId}", withCsrf: false)).ReadAsync(200);
        Assert.Equal("не JSON", story.GetProperty("raw_answer").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await session.SendAsync(HttpMethod.Get, "/api/admin/requests?status=lost", withCsrf: false)).StatusCode);
    }

    [Fact]
    public async Task Changes_from_a_session_need_its_csrf_token()
    {
        var session = await ConsoleSession.StartAsync(App, AdminConsoleApp<TBackend>.AdminKey);

        var without = await session.SendAsync(HttpMethod.Post, "/api/admin/keys", new { name = "no-token" }, withCsrf: false);
        Assert.Equal(HttpStatusCode.Forbidden, without.StatusCode);
        Assert.Equal("Нет CSRF-токена", (await without.ReadAsync(403)).GetProperty("title").GetString());
        var other = await ConsoleSession.StartAsync(App, AdminConsoleApp<TBackend>.AdminKey);
        var foreignToken = await (session with { CsrfToken = other.CsrfToken }).SendAsync(HttpMethod.Post, "/api/admin/keys", new { name = "foreign-token" });
        Assert.Equal(HttpStatusCode.Forbidden, foreignToken.StatusCode);

        var created = await (await session.SendAsync(HttpMethod.Post, "/api/admin/keys", new { name = "with-token" })).ReadAsync(201);
        var keyId = created.GetProperty("id").GetString();
        var changed = await (await session.SendAsync(HttpMethod.Patch, $"/api/admin/keys/{keyId}", new { requests_per_minute = 7, daily_token_budget = 1000 })).ReadAsync(200);
        Assert.Equal(7, changed.GetProperty("requests_per_minute").GetInt32());
        Assert.Equal(1000, changed.GetProperty("daily_token_budget").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, (await session.SendAsync(HttpMethod.Patch, $"/api/admin/keys/{keyId}", new { requests_per_minute = 0 })).StatusCode);
        var names = (await (await session.SendAsync(HttpMethod.Get, "/api/admin/keys", withCsrf: false)).ReadAsync(200)).EnumerateArray().Select(k => k.GetProperty("name").GetString()).ToList();
        Assert.Contains("with-token", names);
        Assert.DoesNotContain("no-token", names);
        Assert.DoesNotContain("foreign-token", names);

        Assert.Equal(HttpStatusCode.Forbidden, (await session.SendAsync(HttpMethod.Delete, "/admin/api/session", withCsrf: false)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await session.SendAsync(HttpMethod.Delete, "/admin/api/session")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await session.SendAsync(HttpMethod.Get, "/api/admin/keys", withCsrf: false)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await other.SendAsync(HttpMethod.Get, "/api/admin/keys", withCsrf: false)).StatusCode);
    }

    [Fact]
    public async Task Prompt_edit_makes_a_version_and_rollback_restores_it()
    {
        var session = await ConsoleSession.StartAsync(App, AdminConsoleApp<TBackend>.AdminKey);
        const string url = "/api/admin/categories/spreadsheet-search";
        var original = await (await session.SendAsync(HttpMethod.Get, url, withCsrf: false)).ReadAsync(200);
        var version = original.GetProperty("version").GetInt32();

        await (await session.SendAsync(HttpMethod.Patch, url, new { system_prompt = "Ищи только точные совпадения." })).ReadAsync(200);
        var rolledBack = await (await session.SendAsync(HttpMethod.Post, $"{url}/rollback", new { version })).ReadAsync(200);
        Assert.Equal(version + 2, rolledBack.GetProperty("version").GetInt32());
        Assert.Equal(original.GetProperty("system_prompt").GetString(), rolledBack.GetProperty("system_prompt").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await session.SendAsync(HttpMethod.Post, $"{url}/rollback", new { version = 999 })).StatusCode);

        var trial = await (await session.SendAsync(HttpMethod.Post, $"{url}/try", new { query_text = "Найди груши", input_data = new[] { new[] { "Товар" }, new[] { "Груши" } }, use_model = true })).ReadAsync(200);
        Assert.True(trial.GetProperty("estimated_prompt_tokens").GetInt32() > 0);
        Assert.True(trial.GetProperty("usage").GetProperty("total_tokens").GetInt32() > 0);
        Assert.False(string.IsNullOrEmpty(trial.GetProperty("answer").GetString()));
    }
}

public sealed class AdminConsoleOnSqliteTests(AdminConsoleApp<EmbeddedBackend> fixture) : AdminConsoleTests<EmbeddedBackend>(fixture);

public sealed class AdminConsoleOnPostgresKafkaTests(AdminConsoleApp<PostgresKafkaBackend> fixture) : AdminConsoleTests<PostgresKafkaBackend>(fixture);

public sealed class AdminSignInTests
{
    private const string Key = "Adm1n-signin-TEST-key-0b8e6c4a2f9d1357";

    [Fact]
    public async Task Wrong_key_is_refused_and_repeated_wrong_keys_are_throttled()
    {
        await using var app = new TestApp(new Dictionary<string, string?> { ["Admin:ApiKey"] = Key });
        var http = app.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });

        var wrong = await http.PostAsJsonAsync("/admin/api/session", new { admin_key = Key + "x" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.False(wrong.Headers.Contains("Set-Cookie"));
        Assert.Equal("Неверный ключ администратора", (await wrong.ReadAsync(401)).GetProperty("title").GetString());

        // The console's form gets a redirect that names the outcome, never the key.
        var form = await http.PostAsync("/admin/api/session", new FormUrlEncodedContent([new("admin_key", "not-the-key")]));
        Assert.Equal(HttpStatusCode.Redirect, form.StatusCode);
        Assert.Equal("/admin/?signin=wrong", form.Headers.Location?.OriginalString);

        for (var i = 0; i < 3; i++) await http.PostAsJsonAsync("/admin/api/session", new { admin_key = $"guess-{i}" });
        var throttled = await http.PostAsJsonAsync("/admin/api/session", new { admin_key = Key });
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.True(throttled.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    [Fact]
    public async Task Console_pages_are_public_with_a_strict_content_policy_and_hold_no_secret()
    {
        await using var app = new TestApp(new Dictionary<string, string?> { ["Admin:ApiKey"] = Key, ["Auth:Mode"] = "required" });
        var http = app.CreateClient();
        var page = await http.GetAsync("/admin/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("id=\"admin-key\"", html);
        Assert.DoesNotContain(Key, html);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/admin/js/main.js")).StatusCode);
        var bare = await app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }).GetAsync("/admin");
        Assert.Equal("/admin/", bare.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/admin/..%2FGigaOffice.dll")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/admin/dashboard")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/admin/api/session")).StatusCode);
    }
}
