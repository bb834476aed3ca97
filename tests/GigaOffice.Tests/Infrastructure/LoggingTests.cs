using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using GigaOffice.Infrastructure;
using Microsoft.Extensions.Configuration;
using Serilog;
using Serilog.Events;

namespace GigaOffice.Tests.Infrastructure;

public sealed class LoggingTests
{
    [Fact]
    public async Task Log_file_has_one_line_per_request_with_the_correlation_id_and_no_secret()
    {
        const string gigaChatCredentials = "Z2lnYWNoYXQtY2xpZW50LWlkOnN1cGVyLXNlY3JldC1jbGllbnQtc2VjcmV0";
        const string databasePassword = "db-password-that-must-stay-secret";
        const string mtlsKeyPassword = "mtls-key-password-that-must-stay-secret";
        await using var app = new TestApp(new()
        {
            ["Logging:Level"] = "trace",
            ["GigaChat:Credentials"] = gigaChatCredentials,
            ["GigaChat:MtlsKeyFilePassword"] = mtlsKeyPassword,
            ["Database:Password"] = databasePassword,
        }).WithServiceDefaults().WithAuth();
        var (_, key) = await app.CreateKeyAsync("plugin");
        var (_, bearerKey) = await app.CreateKeyAsync("plugin-bearer");
        const string wrongKey = "gok_this-key-does-not-exist-but-is-still-a-secret";

        var client = app.ClientWithKey(key);
        client.DefaultRequestHeaders.Add(LoggingSetup.CorrelationHeader, "corr-from-plugin-42");
        var accepted = await ApiCalls.ProcessAsync(client);
        Assert.Equal("corr-from-plugin-42", accepted.Headers.GetValues(LoggingSetup.CorrelationHeader).Single());
        var id = await ApiCalls.AcceptedIdAsync(accepted);
        var status = await ApiCalls.WaitFinishedAsync(client, id);
        Assert.Equal("corr-from-plugin-42", status.GetProperty("correlation_id").GetString());

        await ApiCalls.ProcessAsync(app.ClientWithKey(bearerKey, bearer: true));
        var refused = await ApiCalls.ProcessAsync(app.ClientWithKey(wrongKey, bearer: true));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        // A caller without a correlation id gets one, and problem responses name it.
        var generated = refused.Headers.GetValues(LoggingSetup.CorrelationHeader).Single();
        Assert.Equal(generated, (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("correlation_id").GetString());
        await app.ClientWithKey(wrongKey).GetAsync($"/api/ai/result/{id}");
        var admin = app.Admin();
        var createdByAdmin = await (await admin.PostAsJsonAsync("/api/admin/keys", new { name = "from-admin" })).Content.ReadFromJsonAsync<JsonElement>();
        await admin.DeleteAsync($"/api/admin/keys/{createdByAdmin.GetProperty("id").GetGuid()}");
        var wrongAdmin = app.CreateClient();
        wrongAdmin.DefaultRequestHeaders.Add(AdminKeyFilter.HeaderName, "wrong-admin-key-also-secret");
        await wrongAdmin.GetAsync("/api/admin/keys");

        var logs = app.ReadLogs();
        Assert.Contains("HTTP POST /api/ai/process responded 202", logs);
        Assert.Contains("HTTP POST /api/ai/process responded 401", logs);
        Assert.Contains("corr-from-plugin-42", logs);
        Assert.Contains(generated, logs);
        Assert.Contains("client plugin", logs);
        // Key changes are audited by name and listed prefix.
        Assert.Contains($"Client key {createdByAdmin.GetProperty("prefix").GetString()} created for from-admin", logs);
        Assert.Contains($"Client key {createdByAdmin.GetProperty("prefix").GetString()} of from-admin", logs);
        foreach (var secret in new[]
                 {
                     gigaChatCredentials, databasePassword, mtlsKeyPassword, TestApp.AdminKey, key, bearerKey, wrongKey,
                     createdByAdmin.GetProperty("api_key").GetString()!, "wrong-admin-key-also-secret",
                 })
            Assert.DoesNotContain(secret, logs);
        // Not even the secret part of a key after its listed prefix.
        Assert.DoesNotContain(key[12..], logs);
        Assert.DoesNotContain("Bearer gok_", logs);
    }

    [Fact]
    public async Task Json_format_writes_one_json_object_per_line()
    {
        await using var app = new TestApp(new() { ["Logging:Format"] = "json" }).WithServiceDefaults();
        var id = await ApiCalls.AcceptedIdAsync(await ApiCalls.ProcessAsync(app.CreateClient()));
        await ApiCalls.WaitFinishedAsync(app.CreateClient(), id);

        var lines = app.ReadLogs().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        var events = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(events, e => Assert.True(e.TryGetProperty("@t", out _)));
        var request = events.First(e => e.TryGetProperty("RequestPath", out var p) && p.GetString() == "/api/ai/process");
        Assert.Equal(202, request.GetProperty("StatusCode").GetInt32());
        Assert.False(string.IsNullOrEmpty(request.GetProperty("CorrelationId").GetString()));
    }

    [Fact]
    public void Log_level_comes_from_LOG_LEVEL()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:Level"] = "warning", ["Logging:Format"] = "JSON" }).Build();
        var settings = LogSettings.From(configuration, "/srv");
        Assert.Equal(LogEventLevel.Warning, settings.Level);
        Assert.True(settings.Json);
        Assert.Equal("/srv/logs", settings.Directory);
    }
}

/// <summary>
/// Serilog's file sink rolls by its own clock (an internal <c>Serilog.Sinks.File.Clock</c>, which
/// Serilog's own tests drive). Its test hook is process-wide, so these tests run alone.
/// </summary>
[CollectionDefinition(nameof(SerilogClockCollection), DisableParallelization = true)]
public sealed class SerilogClockCollection;

[Collection(nameof(SerilogClockCollection))]
public sealed class LogRotationTests
{
    [Fact]
    public void The_log_file_rolls_over_at_midnight_of_the_sinks_clock()
    {
        var directory = Directory.CreateTempSubdirectory("gigaoffice-roll-").FullName;
        var clock = Type.GetType("Serilog.Sinks.File.Clock, Serilog.Sinks.File", throwOnError: true)!;
        var setNow = clock.GetMethod("SetTestDateTimeNow", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)!;
        var nowField = clock.GetField("_dateTimeNow", BindingFlags.Static | BindingFlags.NonPublic)!;
        var realClock = nowField.GetValue(null);
        try
        {
            using (var logger = new LoggerConfiguration()
                       .ConfigureGigaOffice(new LogSettings(LogEventLevel.Information, directory, ToFile: true, Json: false))
                       .CreateLogger())
            {
                setNow.Invoke(null, [new DateTime(2026, 5, 31, 23, 59, 58)]);
                logger.Information("last words of May");
                setNow.Invoke(null, [new DateTime(2026, 6, 1, 0, 0, 1)]);
                logger.Information("first words of June");
                logger.Information("more of June");
            }
            var files = Directory.GetFiles(directory).Select(f => Path.GetFileName(f)!).Order().ToArray();
            Assert.Equal(["gigaoffice-20260531.log", "gigaoffice-20260601.log"], files);
            var may = File.ReadAllText(Path.Combine(directory, "gigaoffice-20260531.log"));
            var june = File.ReadAllText(Path.Combine(directory, "gigaoffice-20260601.log"));
            Assert.Contains("last words of May", may);
            Assert.DoesNotContain("June", may);
            Assert.Contains("first words of June", june);
            Assert.Contains("more of June", june);
        }
        finally
        {
            nowField.SetValue(null, realClock);
            Directory.Delete(directory, recursive: true);
        }
    }
}
