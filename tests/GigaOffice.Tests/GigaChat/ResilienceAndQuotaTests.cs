using FakeGigaChat;
using GigaOffice.GigaChat;
using Microsoft.Extensions.DependencyInjection;

namespace GigaOffice.Tests.GigaChat;

public sealed class ResilienceAndQuotaTests() : FakeGigaChatTest(new FakeGigaChatOptions())
{
    [Fact]
    public async Task A_5xx_storm_opens_the_circuit_requests_fail_after_their_retry_budget_and_service_recovers_afterwards()
    {
        var settings = GigaChatSettings.Cloud(Fake);
        settings["GigaChat:MaxRetries"] = "1";
        settings["GigaChat:BreakerMinimumThroughput"] = "4";
        settings["GigaChat:BreakerBreakSeconds"] = "2";
        settings["Worker:MaxAttempts"] = "3";
        settings["Worker:Concurrency"] = "4";
        await using var app = new TestApp(settings);
        var client = app.CreateClient();
        Fake.Outage = true;

        var ids = new List<Guid>();
        for (var i = 0; i < 8; i++) ids.Add(await client.SubmitAsync(TestRequests.Analysis));
        var results = new List<System.Text.Json.JsonElement>();
        foreach (var id in ids) results.Add(await client.WaitResultAsync(id));

        Assert.All(results, r =>
        {
            Assert.Equal("failed", r.GetProperty("status").GetString());
            Assert.Equal("upstream_unavailable", r.ErrorCode());
        });
        foreach (var id in ids)
            Assert.Equal(3, (await client.GetJsonAsync($"/api/ai/status/{id}")).GetProperty("attempts").GetInt32());
        // Without the breaker: 8 requests x 3 attempts x 2 tries = 48 calls. The open circuit refuses most of them locally.
        var callsDuringOutage = Fake.ChatCalls.Count;
        Assert.True(callsDuringOutage < 24, $"{callsDuringOutage} calls reached GigaChat during the outage");

        Fake.Outage = false;
        await Task.Delay(TimeSpan.FromSeconds(2));
        var recovered = await client.WaitResultAsync(await client.SubmitAsync(TestRequests.Analysis));

        Assert.Equal("completed", recovered.GetProperty("status").GetString());
        Assert.Equal(200, Fake.ChatCalls[^1].StatusCode);
    }

    /// <summary>Makes started instances on one new database, so sharing one quota of <paramref name="limit"/> calls.</summary>
    private async Task<Func<TestApp>> InstancesSharingQuotaAsync(string provider, int limit, int? windowSeconds = null)
    {
        var database = await SharedDatabase.SettingsAsync(provider);
        Dictionary<string, string?> Settings()
        {
            var settings = GigaChatSettings.Cloud(Fake);
            foreach (var (key, value) in database) settings[key] = value;
            settings["GigaChat:MaxRequestsPerMinute"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (windowSeconds is { } seconds) settings["GigaChat:QuotaWindowSeconds"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return settings;
        }
        return () =>
        {
            var instance = new TestApp(Settings());
            instance.CreateClient();
            return instance;
        };
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task Synchronous_callers_get_a_slot_or_the_time_until_one_frees_across_instances(string database)
    {
        var newInstance = await InstancesSharingQuotaAsync(database, limit: 2, windowSeconds: 30);
        await using var first = newInstance();
        await using var second = newInstance();
        var firstQuota = first.Services.GetRequiredService<IGigaChatQuota>();
        var secondQuota = second.Services.GetRequiredService<IGigaChatQuota>();

        Assert.Null(await firstQuota.TryAcquireAsync(CancellationToken.None));
        Assert.Null(await secondQuota.TryAcquireAsync(CancellationToken.None));
        var waitFirst = await firstQuota.TryAcquireAsync(CancellationToken.None);
        var waitSecond = await secondQuota.TryAcquireAsync(CancellationToken.None);

        Assert.NotNull(waitFirst);
        Assert.NotNull(waitSecond);
        // The oldest grant leaves the window (30 s plus the 1 s margin) within that time, not sooner than most of it.
        Assert.InRange(waitFirst.Value, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(31));
        Assert.InRange(waitSecond.Value, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(31));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task A_slot_given_back_by_one_instance_can_be_taken_by_another_at_once(string database)
    {
        var newInstance = await InstancesSharingQuotaAsync(database, limit: 1);
        await using var first = newInstance();
        await using var second = newInstance();
        var firstQuota = first.Services.GetRequiredService<IGigaChatQuota>();
        var secondQuota = second.Services.GetRequiredService<IGigaChatQuota>();

        var slot = await firstQuota.AcquireAsync(CancellationToken.None);
        Assert.NotNull(slot.GrantId);
        Assert.Equal(TimeSpan.Zero, slot.Waited);
        Assert.NotNull(await secondQuota.TryAcquireAsync(CancellationToken.None));

        await firstQuota.ReturnAsync(slot, CancellationToken.None);

        Assert.Null(await secondQuota.TryAcquireAsync(CancellationToken.None));
        Assert.NotNull(await firstQuota.TryAcquireAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Dry_run_mode_keeps_an_unlimited_quota_and_reports_healthy_without_any_call()
    {
        var settings = GigaChatSettings.Cloud(Fake);
        settings["GigaChat:RunMode"] = "dryrun";
        settings["GigaChat:MaxRequestsPerMinute"] = "1";
        await using var app = new TestApp(settings);
        var client = app.CreateClient();
        var quota = app.Services.GetRequiredService<IGigaChatQuota>();

        for (var i = 0; i < 5; i++) Assert.Null(await quota.TryAcquireAsync(CancellationToken.None));
        var health = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/api/health")).RootElement;

        Assert.Equal("healthy", health.GetProperty("components").GetProperty("gigachat").GetProperty("status").GetString());
        Assert.Empty(Fake.OAuthCalls);
    }
}

/// <summary>
/// Asserts on when calls reach the fake, so it runs alone: in parallel with other tests on a
/// small machine, a starved thread pool delays calls by more than the quota's safety margin.
/// </summary>
[CollectionDefinition(nameof(QuotaTimingCollection), DisableParallelization = true)]
public sealed class QuotaTimingCollection;

[Collection(nameof(QuotaTimingCollection))]
public sealed class SharedQuotaTests() : FakeGigaChatTest(new FakeGigaChatOptions())
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task Two_instances_sharing_a_database_never_exceed_the_quota_together(string provider)
    {
        const int limit = 5;
        var window = TimeSpan.FromSeconds(3);
        var database = await SharedDatabase.SettingsAsync(provider);
        Dictionary<string, string?> Settings()
        {
            var settings = GigaChatSettings.Cloud(Fake);
            foreach (var (key, value) in database) settings[key] = value;
            settings["GigaChat:MaxRequestsPerMinute"] = limit.ToString();
            settings["GigaChat:QuotaWindowSeconds"] = window.TotalSeconds.ToString();
            settings["Worker:Concurrency"] = "4";
            return settings;
        }
        await using var first = new TestApp(Settings());
        var firstClient = first.CreateClient();
        await using var second = new TestApp(Settings());
        var secondClient = second.CreateClient();
        // As in production after start: each instance holds its token before the burst.
        foreach (var app in new[] { first, second })
        {
            var tokens = app.Services.GetRequiredService<GigaChatTokenProvider>();
            for (var i = 0; !tokens.HasFreshToken; i++)
            {
                Assert.True(i < 600, "no access token after 30 s");
                await Task.Delay(50);
            }
        }

        var ids = new List<(HttpClient Client, Guid Id)>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add((firstClient, await firstClient.SubmitAsync(TestRequests.Analysis)));
            ids.Add((secondClient, await secondClient.SubmitAsync(TestRequests.Analysis)));
        }
        foreach (var (client, id) in ids)
            Assert.Equal("completed", (await client.WaitResultAsync(id, TimeSpan.FromSeconds(120))).GetProperty("status").GetString());

        var arrivals = Fake.ChatCalls.Select(c => c.TimestampUtc).Order().ToList();
        Assert.Equal(20, arrivals.Count);
        var timeline = string.Join(" ", arrivals.Select(t => $"{(t - arrivals[0]).TotalMilliseconds:F0}"));
        for (var i = 0; i < arrivals.Count; i++)
        {
            var inWindow = arrivals.Count(t => t >= arrivals[i] && t < arrivals[i] + window);
            Assert.True(inWindow <= limit, $"{inWindow} calls within {window.TotalSeconds} s from call {i}; arrivals (ms): {timeline}");
        }
    }
}
