using GigaOffice.Data;
using GigaOffice.Retention;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace GigaOffice.Tests.Retention;

public sealed class RetentionTests
{
    private static AiRequest Request(string status, DateTime createdAt) => new()
    {
        Id = Guid.CreateVersion7(), Status = status, QueryText = "q", Category = "spreadsheet-analysis",
        CreatedAt = createdAt, CompletedAt = status is RequestStatus.Completed or RequestStatus.Failed ? createdAt : null,
        ResultJson = status == RequestStatus.Completed ? "{\"text\":\"ok\"}" : null,
    };

    [Fact]
    public async Task Purge_deletes_only_finished_requests_and_log_files_older_than_the_retention()
    {
        var now = DateTimeOffset.UtcNow;
        var clock = new FakeTimeProvider(now);
        await using var app = new TestApp(new() { ["Retention:Days"] = "30" }, s => s.AddSingleton<TimeProvider>(clock)).WithServiceDefaults();
        var today = now.UtcDateTime;
        var oldCompleted = Request(RequestStatus.Completed, today.AddDays(-31));
        var oldFailed = Request(RequestStatus.Failed, today.AddDays(-400));
        var oldQueued = Request(RequestStatus.Queued, today.AddDays(-31));
        oldQueued.LeaseUntil = today.AddYears(1); // keeps the worker away from it during the test
        var recent = Request(RequestStatus.Completed, today.AddDays(-29));
        await app.WithDbAsync(async db =>
        {
            db.Requests.AddRange(oldCompleted, oldFailed, oldQueued, recent);
            await db.SaveChangesAsync();
        });
        Directory.CreateDirectory(app.LogDirectory);
        var oldLog = Path.Combine(app.LogDirectory, "gigaoffice-20200101.log");
        var recentLog = Path.Combine(app.LogDirectory, "gigaoffice-recent.log");
        var foreign = Path.Combine(app.LogDirectory, "someone-else.log");
        foreach (var file in new[] { oldLog, recentLog, foreign }) await File.WriteAllTextAsync(file, "x");
        File.SetLastWriteTimeUtc(oldLog, today.AddDays(-31));
        File.SetLastWriteTimeUtc(recentLog, today.AddDays(-29));
        File.SetLastWriteTimeUtc(foreign, today.AddDays(-365));

        var result = await app.Services.GetRequiredService<RetentionService>().PurgeAsync(CancellationToken.None);

        Assert.Equal(2, result.RequestsDeleted);
        Assert.Equal(1, result.LogFilesDeleted);
        await app.WithDbAsync(async db =>
        {
            var left = await db.Requests.Select(r => r.Id).ToListAsync();
            Assert.DoesNotContain(oldCompleted.Id, left);
            Assert.DoesNotContain(oldFailed.Id, left);
            Assert.Contains(oldQueued.Id, left);
            Assert.Contains(recent.Id, left);
        });
        Assert.False(File.Exists(oldLog));
        Assert.True(File.Exists(recentLog));
        Assert.True(File.Exists(foreign));
        // The file the service is writing now stays.
        Assert.NotEmpty(Directory.GetFiles(app.LogDirectory, "gigaoffice-2*.log"));
    }

    [Fact]
    public async Task The_background_purge_runs_again_as_time_passes()
    {
        var now = DateTimeOffset.UtcNow;
        var clock = new FakeTimeProvider(now);
        await using var app = new TestApp(new() { ["Retention:Days"] = "30", ["Retention:IntervalMinutes"] = "60" },
            s => s.AddSingleton<TimeProvider>(clock)).WithServiceDefaults();
        // Old enough only two hours from now.
        var soonOld = Request(RequestStatus.Completed, now.UtcDateTime.AddDays(-30).AddHours(2));
        await app.WithDbAsync(async db =>
        {
            db.Requests.Add(soonOld);
            await db.SaveChangesAsync();
        });

        // Each hour of the fake clock lets the next purge run; a purge still running when the clock
        // moves starts its wait afterwards, so the clock moves until the purge has happened.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var exists = true;
        while (exists && DateTime.UtcNow < deadline)
        {
            await app.WithDbAsync(async db => exists = await db.Requests.AnyAsync(r => r.Id == soonOld.Id));
            if (exists)
            {
                clock.Advance(TimeSpan.FromMinutes(61));
                await Task.Delay(100);
            }
        }
        Assert.False(exists, "the background purge removed the request once it became old");
    }

    [Fact]
    public async Task Zero_days_keeps_everything()
    {
        await using var app = new TestApp(new() { ["Retention:Days"] = "0" }).WithServiceDefaults();
        var ancient = Request(RequestStatus.Completed, DateTime.UtcNow.AddYears(-5));
        await app.WithDbAsync(async db =>
        {
            db.Requests.Add(ancient);
            await db.SaveChangesAsync();
        });
        var result = await app.Services.GetRequiredService<RetentionService>().PurgeAsync(CancellationToken.None);
        Assert.Equal(new RetentionResult(0, 0), result);
        await app.WithDbAsync(async db => Assert.True(await db.Requests.AnyAsync(r => r.Id == ancient.Id)));
    }

    [Fact]
    public async Task Negative_days_stop_the_start_naming_the_variable()
    {
        await using var app = new TestApp(new() { ["Retention:Days"] = "-1" }).WithServiceDefaults();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => Task.FromResult(app.CreateClient()));
        Assert.Contains("RETENTION_DAYS", error.ToString());
    }
}
