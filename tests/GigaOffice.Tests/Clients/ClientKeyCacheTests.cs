using System.Net;
using GigaOffice.Clients;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GigaOffice.Tests.Clients;

/// <summary>
/// Keys found by their secret are reused for CLIENT_KEY_CACHE_SECONDS; a change through the service
/// (admin API, <c>keys</c> command) reaches every instance at once on PostgreSQL, and anything else
/// within the cache time.
/// </summary>
public sealed class ClientKeyCacheTests
{
    [Fact]
    public async Task A_key_revoked_on_one_instance_stops_working_on_another_at_once_on_postgresql()
    {
        // A cache time far longer than the test: only the notification can explain the refusal.
        var settings = new Dictionary<string, string?>(await SharedDatabase.SettingsAsync("postgresql")) { ["Auth:KeyCacheSeconds"] = "300" };
        await using var first = new TestApp(settings).WithServiceDefaults().WithAuth();
        var (id, key) = await first.CreateKeyAsync("two-instances");
        await using var second = new TestApp(settings).WithServiceDefaults().WithAuth();
        var client = second.ClientWithKey(key, bearer: true);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/models")).StatusCode);

        await using (var scope = first.Services.CreateAsyncScope())
            Assert.NotNull(await scope.ServiceProvider.GetRequiredService<ClientKeyStore>().RevokeAsync(id.ToString(), CancellationToken.None));

        await Eventually.WaitAsync(async () => (await client.GetAsync("/v1/models")).StatusCode,
            status => status == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_key_changed_behind_the_services_back_is_read_again_after_the_cache_time()
    {
        await using var app = new TestApp(new() { ["Auth:KeyCacheSeconds"] = "1" }).WithServiceDefaults().WithAuth();
        var (id, key) = await app.CreateKeyAsync("by-hand");
        var client = app.ClientWithKey(key, bearer: true);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/models")).StatusCode);

        await app.WithDbAsync(db => db.ClientKeys.Where(k => k.Id == id).ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, DateTime.UtcNow)));

        await Eventually.WaitAsync(async () => (await client.GetAsync("/v1/models")).StatusCode,
            status => status == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task New_limits_hold_at_once_on_the_instance_that_set_them()
    {
        await using var app = new TestApp(new() { ["Auth:KeyCacheSeconds"] = "300" }).WithServiceDefaults().WithAuth();
        var (id, key) = await app.CreateKeyAsync("tightened");
        var client = app.ClientWithKey(key, bearer: true);
        Assert.Equal(HttpStatusCode.Accepted, (await ApiCalls.ProcessAsync(client)).StatusCode);

        var admin = app.Admin();
        var patch = await admin.PatchAsync($"/api/admin/keys/{id}",
            new StringContent("""{"daily_token_budget": 1}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);

        Assert.Equal(HttpStatusCode.TooManyRequests, (await ApiCalls.ProcessAsync(client)).StatusCode);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("301")]
    public async Task A_cache_time_out_of_range_stops_the_start_naming_the_variable(string seconds)
    {
        await using var app = new TestApp(new Dictionary<string, string?> { ["Auth:KeyCacheSeconds"] = seconds });
        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());
        Assert.Contains("CLIENT_KEY_CACHE_SECONDS", error.ToString());
    }
}
