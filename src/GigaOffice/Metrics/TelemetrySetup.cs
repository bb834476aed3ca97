using System.Reflection;
using GigaOffice.Clients;
using GigaOffice.Configuration;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace GigaOffice.Metrics;

/// <summary>Prometheus metrics at /metrics always; traces over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.</summary>
public static class TelemetrySetup
{
    public static void AddGigaOfficeTelemetry(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<TelemetryOptions>().Bind(builder.Configuration.GetSection(TelemetryOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TelemetryOptions>, OperationsOptionsValidation>();
        services.AddSingleton<GigaOfficeMetrics>();

        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new();
        var version = typeof(TelemetrySetup).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0];
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("gigaoffice", serviceVersion: version))
            .WithMetrics(metrics => metrics
                .AddMeter(GigaOfficeMetrics.MeterName)
                // The framework's own meters: HTTP requests by route and status code, rate limiter rejections.
                .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.RateLimiting", "System.Net.Http")
                // The runtime's: garbage collections and their pauses, heap, thread pool queue, CPU time.
                .AddMeter("System.Runtime")
                .AddPrometheusExporter());

        if (!Uri.TryCreate(options.OtlpEndpoint, UriKind.Absolute, out var endpoint)) return;
        telemetry.WithTracing(tracing => tracing
            .AddSource(GigaOfficeMetrics.ActivitySource.Name)
            .AddAspNetCoreInstrumentation(o => o.Filter = http => !IsProbe(http.Request.Path))
            .AddHttpClientInstrumentation()
            .AddOtlpExporter(o =>
            {
                var http = options.OtlpProtocol?.Trim() == "http/protobuf";
                o.Protocol = http ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                // Like the SDK does for the environment variable: over HTTP the base endpoint gets the signal's path.
                o.Endpoint = http && endpoint.AbsolutePath == "/" ? new Uri(endpoint, "v1/traces") : endpoint;
            }));
    }

    /// <summary>The Prometheus scrape endpoint. Open like health (no secrets, bounded labels); restrict it in nginx.</summary>
    public static WebApplication MapPrometheusMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics").PublicEndpoint().ExcludeFromDescription();
        return app;
    }

    private static bool IsProbe(PathString path) => path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");
}
