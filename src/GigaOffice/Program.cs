using GigaOffice.Configuration;
using GigaOffice.Data;
using GigaOffice.Feedback;
using GigaOffice.Health;
using GigaOffice.Infrastructure;
using GigaOffice.Metrics;
using GigaOffice.Prompts;
using GigaOffice.Requests;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);
builder.AddGigaOfficeConfiguration(args);
builder.AddGigaOfficeLogging();
builder.UseGigaOfficeUrls();
builder.AddGigaOfficeServices();

var app = builder.Build();

// `GigaOffice migrate`: apply migrations and seed prompts, then exit (for admins who migrate by hand).
if (args.FirstOrDefault() == "migrate")
{
    await DatabaseSetup.MigrateAndSeedAsync(app.Services, CancellationToken.None);
    Console.WriteLine("Database migrated and prompts seeded.");
    return;
}

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRequestBodyLimit();

app.MapHealth();
// A worker-only instance (SERVICE_ROLE=worker) answers health probes and nothing else.
if (app.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.RunsApi)
{
    app.MapApiDocs();
    app.MapRequests();
    app.MapStructuredRequests();
    app.MapFeedback();
    app.MapPrompts();
    app.MapPromptAdmin();
    app.MapUsageMetrics();
}

app.Run();

public partial class Program;
