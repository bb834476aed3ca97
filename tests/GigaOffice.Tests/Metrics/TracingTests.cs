using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace GigaOffice.Tests.Metrics;

public sealed class TracingTests
{
    [Fact]
    public async Task Traces_are_exported_over_otlp_when_an_endpoint_is_configured()
    {
        // A real OTLP/HTTP receiver: it keeps what arrives at /v1/traces.
        var received = new ConcurrentQueue<byte[]>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var collector = builder.Build();
        collector.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            received.Enqueue(body.ToArray());
            return Results.Ok();
        });
        await collector.StartAsync();
        var endpoint = collector.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

        await using var app = new TestApp(new()
        {
            ["Telemetry:OtlpEndpoint"] = endpoint,
            ["Telemetry:OtlpProtocol"] = "http/protobuf",
        }).WithServiceDefaults();
        var id = await ApiCalls.AcceptedIdAsync(await ApiCalls.ProcessAsync(app.CreateClient()));
        await ApiCalls.WaitFinishedAsync(app.CreateClient(), id);

        // The worker's span ends just after the result is stored: flush until it has been sent.
        var tracer = app.Services.GetRequiredService<TracerProvider>();
        string Exported() => string.Concat(received.Select(b => Encoding.UTF8.GetString(b)));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!Exported().Contains("ProcessRequest") && DateTime.UtcNow < deadline)
        {
            tracer.ForceFlush(5000);
            await Task.Delay(50);
        }
        var exported = Exported();
        Assert.Contains("gigaoffice", exported);          // service.name
        Assert.Contains("ProcessRequest", exported);      // the worker's span
        Assert.Contains("/api/ai/process", exported);     // the incoming HTTP request's span
        await collector.StopAsync();
    }

    [Fact]
    public async Task Without_an_endpoint_nothing_is_traced()
    {
        await using var app = new TestApp().WithServiceDefaults();
        await app.WaitForDatabaseAsync();
        Assert.Null(app.Services.GetService<TracerProvider>());
    }
}
