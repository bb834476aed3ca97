using GigaOffice.Configuration;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace GigaOffice.Tests.Configuration;

public sealed class ConfigurationTests
{
    [Fact]
    public void Seed_variable_names_from_a_dotenv_file_map_onto_configuration()
    {
        var dir = TempPaths.NewDirectory();
        var envFile = Path.Combine(dir, ".env");
        File.WriteAllText(envFile, """
            # a comment
            GIGACHAT_RUN_MODE=cloud
            GIGACHAT_MAX_REQUESTS_PER_MINUTE=42
            DB_HOST=db.internal
            KAFKA_BOOTSTRAP_SERVERS=kafka:9092
            PORT=8123
            UNRELATED=ignored
            """);
        var configuration = new ConfigurationBuilder().AddSeedVariables(envFile).Build();
        Assert.Equal("cloud", configuration["GigaChat:RunMode"]);
        Assert.Equal("42", configuration["GigaChat:MaxRequestsPerMinute"]);
        Assert.Equal("db.internal", configuration["Database:Host"]);
        Assert.Equal("kafka:9092", configuration["Kafka:BootstrapServers"]);
        Assert.Equal("8123", configuration["Server:Port"]);
        Assert.Null(configuration["UNRELATED"]);
        Assert.True(configuration.GetSection("Database").Get<DatabaseOptions>()!.UsePostgres);
    }

    [Fact]
    public void Env_example_names_only_known_variables_and_parses_cleanly()
    {
        var example = Path.Combine(Repository.Root(), ".env.example");
        foreach (var line in File.ReadAllLines(example).Select(l => l.Trim().TrimStart('#').Trim()))
        {
            var match = System.Text.RegularExpressions.Regex.Match(line, "^([A-Z][A-Z0-9_]+)=");
            if (match.Success) Assert.True(SeedVariables.Map.ContainsKey(match.Groups[1].Value), $".env.example names unknown {match.Groups[1].Value}");
        }
        var configuration = new ConfigurationBuilder().AddSeedVariables(example).Build();
        // Inline comments are not part of the value.
        Assert.Equal("dryrun", configuration["GigaChat:RunMode"]);
        Assert.Equal("8000", configuration["Server:Port"]);
    }

    [Fact]
    public async Task A_wrong_setting_stops_the_start_with_a_message_naming_the_variable()
    {
        await using var app = new TestApp(new Dictionary<string, string?> { ["GigaChat:RunMode"] = "dryrun", ["GigaChat:MaxRequestsPerMinute"] = "0" });
        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());
        Assert.Contains("GIGACHAT_MAX_REQUESTS_PER_MINUTE", error.ToString());
    }

    [Fact]
    public async Task An_unknown_run_mode_is_refused_at_start()
    {
        await using var app = new TestApp(new Dictionary<string, string?> { ["GigaChat:RunMode"] = "turbo" });
        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());
        Assert.Contains("GIGACHAT_RUN_MODE", error.ToString());
    }

    [Fact]
    public async Task A_refused_start_names_the_variable_even_when_the_test_host_starts_late()
    {
        // WebApplicationFactory starts its host only after Program has gone on to app.Run. If the host
        // has failed and disposed itself by then, the factory met a disposed host instead of the error:
        // the flaky ObjectDisposedException of earlier full runs. The delay makes that order certain.
        await using var app = new LateStartingApp(new() { ["Database:SqlitePath"] = TempPaths.NewDatabase(), ["Logging:File"] = "false", ["GigaChat:MaxRequestsPerMinute"] = "0" });
        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());
        Assert.True(error.ToString().Contains("GIGACHAT_MAX_REQUESTS_PER_MINUTE"), error.ToString());
    }

    [Fact]
    public async Task The_real_process_refuses_a_wrong_setting_with_one_line_and_exit_code_1()
    {
        await using var service = ServiceProcess.Start("refused", new Dictionary<string, string?>
        {
            ["Database:SqlitePath"] = TempPaths.NewDatabase(),
            ["GigaChat:MaxRequestsPerMinute"] = "0",
        });
        var exitCode = await service.WaitForExitAsync(TimeSpan.FromMinutes(2));
        var output = service.Tail(200);
        // Not 134 (SIGABRT, a core dump) with the runtime's "Unhandled exception" and a stack trace.
        Assert.True(exitCode == 1, $"exit code {exitCode}:\n{output}");
        Assert.Contains("Invalid settings, the service does not start", output);
        Assert.Contains("GIGACHAT_MAX_REQUESTS_PER_MINUTE", output);
        Assert.DoesNotContain("Unhandled exception", output);
    }

    private sealed class LateStartingApp(Dictionary<string, string?> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
        }

        protected override IHost CreateHost(IHostBuilder builder)
        {
            var host = builder.Build();
            Thread.Sleep(TimeSpan.FromSeconds(2));
            host.Start();
            return host;
        }
    }
}
