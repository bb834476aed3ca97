using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GigaOffice.Testing;

namespace GigaOffice.Tests.Clients;

/// <summary>Issue 33: binding rule, cache scope, log forging, per-key metrics, key-guessing throttle.</summary>
public sealed class SecurityHardeningTests
{
    private static readonly object Body = new
    {
        query_text = "Проанализируй данные продаж",
        input_range = "A1:B3",
        category = "spreadsheet-analysis",
        input_data = new object[][] { ["Товар", "Сумма"], ["A", 100], ["B", 80] },
    };

    [Fact]
    public async Task Auto_mode_requires_keys_when_the_server_bound_beyond_loopback_whatever_HOST_says()
    {
        // HOST=127.0.0.1 (set by ServiceProcess) but Kestrel's own endpoint listens on every address.
        var port = FreePort.Get();
        await using var service = ServiceProcess.Start("bound-beyond-loopback", new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "auto",
            ["Kestrel:Endpoints:Http:Url"] = $"http://0.0.0.0:{port}",
        });
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        await WaitReadyAsync(service, client);

        var response = await client.PostAsJsonAsync("/api/ai/process", Body);

        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"Expected 401, got {(int)response.StatusCode}:\n{service.Tail()}");
        Assert.Contains(service.Output, line => line.Contains("Client authentication is on (listening beyond localhost (http://0.0.0.0:"));
        Assert.DoesNotContain(service.Output, line => line.Contains("Client authentication is off"));

        // Kestrel answered a 9 KB URL itself with an empty 414; now it is problem+json like the rest.
        var tooLong = await client.GetAsync("/api/health?q=" + new string('x', 9000));
        Assert.Equal(HttpStatusCode.RequestUriTooLong, tooLong.StatusCode);
        Assert.Equal("application/problem+json", tooLong.Content.Headers.ContentType?.MediaType);
    }

    private static async Task WaitReadyAsync(ServiceProcess service, HttpClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (service.HasExited) throw new InvalidOperationException($"The service exited:\n{service.Tail()}");
            try
            {
                if ((await client.GetAsync("/health/ready")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Not ready:\n{service.Tail()}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Result_cache_is_scoped_per_client_key_and_never_names_another_keys_request()
    {
        await using var app = new TestApp(new() { ["ResultCache:TtlSeconds"] = "3600" }).WithServiceDefaults().WithAuth();
        var (_, a) = await app.CreateKeyAsync("alice");
        var (_, b) = await app.CreateKeyAsync("bob");
        var alice = app.ClientWithKey(a);
        var bob = app.ClientWithKey(b);

        var first = await FinishedResultAsync(alice);
        var bobs = await FinishedResultAsync(bob);
        Assert.False(bobs.GetProperty("cached").GetBoolean(), bobs.ToString());
        Assert.DoesNotContain(first.GetProperty("request_id").GetString()!, bobs.ToString());

        // The cache still serves the same key.
        var again = await FinishedResultAsync(alice);
        Assert.True(again.GetProperty("cached").GetBoolean(), again.ToString());
        Assert.Equal(first.GetProperty("request_id").GetString(), again.GetProperty("cached_from").GetString());
    }

    private static async Task<JsonElement> FinishedResultAsync(HttpClient client)
    {
        var id = await ApiCalls.AcceptedIdAsync(await client.PostAsJsonAsync("/api/ai/process", Body));
        await ApiCalls.WaitFinishedAsync(client, id);
        return await client.GetFromJsonAsync<JsonElement>($"/api/ai/result/{id}");
    }

    [Fact]
    public async Task Control_characters_in_a_path_cannot_forge_a_log_line()
    {
        await using var app = new TestApp().WithServiceDefaults();
        var forged = "x%0D%0A2026-01-01%2000:00:00.000%20+00:00%20[ERR]%20deadbeef%20Forged:%20the%20admin%20key%20leaked%1B[31m";
        var response = await app.CreateClient().GetAsync($"/api/ai/status/{forged}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);

        var lines = app.ReadLogs().Split('\n');
        var line = Assert.Single(lines, l => l.Contains("Forged"));
        Assert.Contains("HTTP GET /api/ai/status/x\\r\\n2026-01-01", line);
        Assert.Contains("\\u001b[31m", line);
        Assert.DoesNotContain(lines, l => l.StartsWith("2026-01-01 00:00:00.000"));
        Assert.DoesNotContain('\u001b', app.ReadLogs());
    }

    [Fact]
    public async Task Usage_metrics_show_only_the_calling_keys_figures_feedback_included()
    {
        await using var app = new TestApp().WithServiceDefaults().WithAuth();
        var (_, a) = await app.CreateKeyAsync("alice");
        var (_, b) = await app.CreateKeyAsync("bob");
        var alice = app.ClientWithKey(a);
        var bob = app.ClientWithKey(b);
        var id = (await FinishedResultAsync(alice)).GetProperty("request_id").GetGuid();
        Assert.Equal(HttpStatusCode.Created, (await alice.PostAsJsonAsync("/api/ai/feedback", new { request_id = id, rating = 1, comment = "плохо" })).StatusCode);

        var bobs = await bob.GetFromJsonAsync<JsonElement>("/api/metrics");
        Assert.Equal(0, bobs.GetProperty("total_requests").GetInt32());
        Assert.Equal(0, bobs.GetProperty("feedback").GetArrayLength());
        Assert.Equal(0, bobs.GetProperty("queue_depth").GetInt64());
        var alices = await alice.GetFromJsonAsync<JsonElement>("/api/metrics");
        Assert.Equal(1, alices.GetProperty("feedback").EnumerateArray().Single().GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Wrong_admin_keys_from_one_address_are_throttled_with_a_summary_in_the_log()
    {
        await using var app = new TestApp().WithServiceDefaults().WithAuth();
        var guesser = app.CreateClient();
        for (var i = 0; i < 10; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/keys");
            request.Headers.Add("X-Admin-Key", $"guess-{i}-{Guid.NewGuid():N}");
            Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.SendAsync(request)).StatusCode);
        }
        // Blocked before the key is compared: even the right key gets 429 from this address now.
        var admin = app.Admin();
        var refused = await admin.GetAsync("/api/admin/keys");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);

        var logs = app.ReadLogs();
        Assert.Single(logs.Split('\n'), l => l.Contains("Key guessing from") && l.Contains("[WRN]"));
        Assert.DoesNotContain("Admin request to", logs);
        Assert.DoesNotContain("responded 401", logs);
    }

    [Fact]
    public async Task Wrong_client_keys_from_one_address_are_throttled()
    {
        await using var app = new TestApp().WithServiceDefaults().WithAuth();
        var (_, key) = await app.CreateKeyAsync("plugin");
        for (var i = 0; i < 10; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await ApiCalls.ProcessAsync(app.ClientWithKey($"gok_guess{i}{Guid.NewGuid():N}"))).StatusCode);

        var refused = await ApiCalls.ProcessAsync(app.ClientWithKey(key));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("Слишком много неверных ключей", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("short-admin-key")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("passwordpasswordpasswordpassword")]
    public async Task Weak_admin_keys_are_refused_at_start_naming_the_variable(string weak)
    {
        await using var app = new TestApp(new() { ["Admin:ApiKey"] = weak }).WithServiceDefaults();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => Task.Run(() => app.CreateClient()));
        Assert.Contains("GIGAOFFICE_ADMIN_KEY", error.ToString());
        Assert.DoesNotContain(weak, error.ToString());
    }
}
