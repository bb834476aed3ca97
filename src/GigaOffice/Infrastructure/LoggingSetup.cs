using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using GigaOffice.Clients;
using Serilog;
using Serilog.Context;
using Serilog.Events;
using Serilog.Extensions.Hosting;
using Serilog.Formatting.Compact;

namespace GigaOffice.Infrastructure;

/// <summary>What the logs look like and where they go: LOG_LEVEL, LOG_DIR, LOG_FORMAT.</summary>
public sealed record LogSettings(LogEventLevel Level, string Directory, bool ToFile, bool Json)
{
    public const string FileNamePattern = "gigaoffice-.log";

    public static LogSettings From(IConfiguration configuration, string contentRoot) => new(
        (configuration["Logging:Level"] ?? "info").Trim().ToLowerInvariant() switch
        {
            "trace" or "verbose" => LogEventLevel.Verbose,
            "debug" => LogEventLevel.Debug,
            "warning" or "warn" => LogEventLevel.Warning,
            "error" => LogEventLevel.Error,
            "critical" or "fatal" => LogEventLevel.Fatal,
            _ => LogEventLevel.Information,
        },
        Path.GetFullPath(configuration["Logging:Directory"] ?? "logs", contentRoot),
        configuration.GetValue("Logging:File", true),
        string.Equals(configuration["Logging:Format"]?.Trim(), "json", StringComparison.OrdinalIgnoreCase));
}

public static partial class LoggingSetup
{
    public const string CorrelationHeader = "X-Correlation-ID";
    private const string TextTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {CorrelationId} {SourceContext}: {Message:lj}{NewLine}{Exception}";

    public static void AddGigaOfficeLogging(this WebApplicationBuilder builder)
    {
        var settings = LogSettings.From(builder.Configuration, builder.Environment.ContentRootPath);
        builder.Services.AddSingleton(settings);
        // The host's own logger, not the static Log.Logger: the request log must go to this host's
        // files even when several hosts share a process (tests).
        var logger = new LoggerConfiguration().ConfigureGigaOffice(settings).CreateLogger();
        builder.Services.AddSingleton<Serilog.ILogger>(logger);
        // Serilog as a provider of the framework's logger factory, which keeps one logger per
        // category. Serilog's own factory (services.AddSerilog) built a new logger with its own
        // caches for every ILogger a transient service asked for: the authentication handler's, on
        // every HTTP request, a sixth of what a status poll allocated (docs/BENCHMARKS.md).
        // Serilog's levels decide what is written, so the factory passes everything on.
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Trace).AddSerilog(logger, dispose: true);
        // The request log middleware collects its properties here.
        builder.Services.AddSingleton(new DiagnosticContext(logger));
        builder.Services.AddSingleton<IDiagnosticContext>(sp => sp.GetRequiredService<DiagnosticContext>());
        // Problem responses name the correlation id, so a user's report leads straight to the log lines.
        builder.Services.PostConfigure<ProblemDetailsOptions>(o =>
        {
            var previous = o.CustomizeProblemDetails;
            o.CustomizeProblemDetails = context =>
            {
                previous?.Invoke(context);
                context.ProblemDetails.Extensions["correlation_id"] = context.HttpContext.TraceIdentifier;
            };
        });
    }

    /// <summary>
    /// Console plus a file rolled daily (<c>gigaoffice-YYYYMMDD.log</c>, and by size within a day).
    /// Old files are deleted by the retention service after RETENTION_DAYS, not by count.
    /// </summary>
    public static LoggerConfiguration ConfigureGigaOffice(this LoggerConfiguration log, LogSettings settings)
    {
        log.MinimumLevel.Is(settings.Level)
            // Framework request and SQL chatter would repeat what the one-line request log says.
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Warning)
            .MinimumLevel.Override("System.Net.Http.HttpClient", LogEventLevel.Warning)
            .MinimumLevel.Override("Polly", LogEventLevel.Warning)
            // Nothing here is encrypted with data protection (it comes with authentication), so its key warning is noise.
            .MinimumLevel.Override("Microsoft.AspNetCore.DataProtection", LogEventLevel.Error)
            // "was challenged" for every refused key; the request line already says 401.
            .MinimumLevel.Override(typeof(ApiKeyAuthenticationHandler).FullName!, LogEventLevel.Warning)
            .Enrich.FromLogContext()
            // Last: it sees every property, the log context's too.
            .Enrich.With<LogValueEscaper>();
        var invariant = CultureInfo.InvariantCulture;
        if (settings.Json) log.WriteTo.Console(new CompactJsonFormatter());
        else log.WriteTo.Console(outputTemplate: TextTemplate, formatProvider: invariant);
        if (!settings.ToFile) return log;

        var path = Path.Combine(settings.Directory, LogSettings.FileNamePattern);
        const long fileSizeLimit = 100L * 1024 * 1024;
        if (settings.Json)
            log.WriteTo.File(new CompactJsonFormatter(), path, rollingInterval: RollingInterval.Day,
                retainedFileCountLimit: null, fileSizeLimitBytes: fileSizeLimit, rollOnFileSizeLimit: true);
        else
            log.WriteTo.File(path, outputTemplate: TextTemplate, formatProvider: invariant, rollingInterval: RollingInterval.Day,
                retainedFileCountLimit: null, fileSizeLimitBytes: fileSizeLimit, rollOnFileSizeLimit: true);
        return log;
    }

    /// <summary>
    /// Takes the caller's X-Correlation-ID (or makes one), echoes it, and makes it the request's
    /// TraceIdentifier, so it lands in every log line, on the stored request and in problem responses.
    /// </summary>
    public static IApplicationBuilder UseCorrelationId(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var id = http.Request.Headers[CorrelationHeader].ToString();
        if (!CorrelationIdFormat().IsMatch(id))
            id = Activity.Current?.TraceId.ToHexString() ?? Guid.NewGuid().ToString("N");
        http.TraceIdentifier = id;
        // OnStarting: the exception handler clears headers set earlier.
        http.Response.OnStarting(() =>
        {
            http.Response.Headers[CorrelationHeader] = id;
            return Task.CompletedTask;
        });
        using (LogContext.PushProperty("CorrelationId", id))
            await next(http);
    });

    /// <summary>One line per request: method, path (no query string), status, time, client key name; never headers.</summary>
    public static IApplicationBuilder UseGigaOfficeRequestLogging(this IApplicationBuilder app) => app.UseSerilogRequestLogging(o =>
    {
        o.Logger = app.ApplicationServices.GetRequiredService<Serilog.ILogger>();
        o.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms, client {ClientName}";
        o.GetLevel = (http, _, exception) =>
            exception is not null || http.Response.StatusCode >= 500 ? LogEventLevel.Error
            // Wrong keys: KeyGuessThrottle logs a summary per address instead of a line per attempt.
            : http.Items.ContainsKey(KeyGuessThrottle.FailureItem) ? LogEventLevel.Debug
            // Probes and scrapes come every few seconds; they would drown the real traffic.
            : http.Request.Path.StartsWithSegments("/health") || http.Request.Path.StartsWithSegments("/metrics") ? LogEventLevel.Debug
            : LogEventLevel.Information;
        o.EnrichDiagnosticContext = (diagnostics, http) =>
        {
            var client = http.GetClient();
            diagnostics.Set("ClientName", client?.Name ?? "-");
            if (client is not null) diagnostics.Set("ClientKeyId", client.Id);
        };
    });

    /// <summary>What a caller may send as a correlation id: short, and safe to print in a log line.</summary>
    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$")]
    private static partial Regex CorrelationIdFormat();
}
