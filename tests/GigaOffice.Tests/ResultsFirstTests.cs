using System.Diagnostics;
using GigaOffice.Requests;
using Microsoft.Extensions.DependencyInjection;

namespace GigaOffice.Tests;

public sealed class ResultsFirstTests
{
    [Fact]
    public async Task Grants_and_claims_hold_back_while_a_result_is_on_its_way_and_go_once_it_is_stored()
    {
        var order = new ResultsFirst(enabled: true, maxHoldBack: TimeSpan.FromSeconds(60));
        Assert.False(order.HoldBack()); // nothing on its way

        var coming = order.ResultComing();
        using var running = new ManualResetEventSlim();
        var held = Task.Run(() => { running.Set(); return order.HoldBack(); });
        Assert.True(running.Wait(TimeSpan.FromSeconds(10)));
        await Task.Delay(200);
        Assert.False(held.IsCompleted); // holding back: the result is not stored yet

        coming.Dispose();
        Assert.True(await held.WaitAsync(TimeSpan.FromSeconds(30))); // went as soon as it was, long before the limit
        Assert.False(order.HoldBack());
    }

    [Fact]
    public void A_result_that_is_never_stored_holds_the_others_back_for_the_limit_only()
    {
        var limit = TimeSpan.FromMilliseconds(30);
        var order = new ResultsFirst(enabled: true, maxHoldBack: limit);
        using var stuck = order.ResultComing();
        var started = Stopwatch.GetTimestamp();
        Assert.True(order.HoldBack());
        Assert.True(Stopwatch.GetElapsedTime(started) >= limit);
        Assert.True(order.HoldBack()); // and again: each grant or claim waits the limit, then goes
    }

    [Fact]
    public void On_postgres_nothing_holds_back()
    {
        var order = new ResultsFirst(enabled: false);
        using var coming = order.ResultComing();
        Assert.False(order.HoldBack());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_service_holds_back_on_sqlite_only(bool postgres)
    {
        BackendFixture backend = postgres ? new PostgresKafkaBackend() : new EmbeddedBackend();
        await backend.InitializeAsync();
        try
        {
            await using var app = (await backend.CreateAsync()).CreateApp();
            var order = app.Services.GetRequiredService<ResultsFirst>();
            using var coming = order.ResultComing();
            Assert.Equal(!postgres, order.HoldBack());
        }
        finally
        {
            await backend.DisposeAsync();
        }
    }
}
