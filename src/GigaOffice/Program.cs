using GigaOffice.Admin;
using GigaOffice.Configuration;
using GigaOffice.Clients;
using GigaOffice.Data;
using GigaOffice.Events;
using GigaOffice.Feedback;
using GigaOffice.Health;
using GigaOffice.Infrastructure;
using GigaOffice.Metrics;
using GigaOffice.OpenAi;
using GigaOffice.Prompts;
using GigaOffice.Requests;
using GigaOffice.Retention;
using GigaOffice.Upstream;
using Microsoft.Extensions.Options;

// Settings are read once, at start, where they are validated. Reloading them on change would watch
// the working directory with all below it, the SQLite files too: a wake-up on every database write.
var builder = WebApplication.CreateBuilder([.. args, "--hostBuilder:reloadConfigOnChange=false"]);
builder.AddGigaOfficeConfiguration(args);
builder.AddGigaOfficeLogging();
builder.UseGigaOfficeUrls();
builder.Host.UseSystemd(); // no-op unless started by systemd (deploy/systemd: Type=notify)
builder.AddGigaOfficeServices();
builder.AddClientAccess();
builder.AddAdminConsole();
builder.Services.AddOpenAi(builder.Configuration);
builder.Services.AddRequestEvents(builder.Configuration);
builder.AddGigaOfficeTelemetry();
builder.AddGigaOfficeRetention();

var app = builder.Build();

// `GigaOffice migrate`: apply migrations and seed prompts, then exit (for admins who migrate by hand).
if (args.FirstOrDefault() == "migrate")
{
    await DatabaseSetup.MigrateAndSeedAsync(app.Services, CancellationToken.None);
    Console.WriteLine("Database migrated and prompts seeded.");
    return;
}

// `GigaOffice keys create|list|revoke`: client API keys, then exit.
if (args.FirstOrDefault() == "keys")
{
    Environment.ExitCode = await ClientKeyCommands.RunAsync(app.Services, args[1..], Console.Out);
    return;
}

app.ValidateSettings();

app.UseCorrelationId();
app.UseGigaOfficeRequestLogging();
app.UseExceptionHandler();
app.UseStatusCodePages();

// A worker-only instance (SERVICE_ROLE=worker) answers health probes and nothing else.
var runsApi = app.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.RunsApi;
if (runsApi) app.MapApiDocs(); // before client authentication: the docs are public
app.UseClientAccess();
// After CORS: a browser must be able to read the 413 (and see Retry-After on a 429).
app.UseRequestBodyLimit();

app.MapHealth();
if (runsApi)
{
    app.MapRequests();
    app.MapRequestEvents();
    app.MapStructuredRequests();
    app.MapFeedback();
    app.MapPrompts();
    app.MapPromptAdmin();
    app.MapClientKeyAdmin();
    app.MapPromptTools();
    app.MapAdminDashboard();
    app.MapAdminConsole();
    app.MapUsageMetrics();
    app.MapUpstreamApi();
    app.MapOpenAi();
}
app.MapPrometheusMetrics();

app.Run();

public partial class Program;
