using GigaOffice.Answers;
using System.Net;
using GigaOffice.Configuration;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace GigaOffice.GigaChat;

public static class GigaChatSetup
{
    public static IServiceCollection AddGigaChat(this IServiceCollection services, GigaChatOptions options)
    {
        services.AddSingleton<PromptBuilder>();
        services.AddSingleton<MeasuredPrompts>();
        services.AddSingleton<AnswerParser>();
        services.AddSingleton<GigaChatConnectivity>();
        switch (options.Mode)
        {
            case GigaChatRunMode.DryRun:
                services.AddSingleton<IGigaChatClient, DryRunGigaChatClient>();
                services.AddSingleton<IGigaChatChat, DryRunGigaChatChat>();
                services.AddSingleton<IGigaChatQuota, UnlimitedQuota>();
                break;
            default:
                services.AddRealGigaChat(options.Mode);
                break;
        }
        return services;
    }

    /// <summary>
    /// cloud and mtls: one client, one pipeline. Outer to inner: retry (429/5xx/transport/timeout,
    /// exponential backoff with jitter, Retry-After wins) -> a quota slot per retry -> bearer token
    /// (cloud) -> circuit breaker -> per-call timeout -> TLS (CA bundle, client certificate).
    /// </summary>
    private static void AddRealGigaChat(this IServiceCollection services, GigaChatRunMode mode)
    {
        services.AddSingleton<IValidateOptions<GigaChatOptions>, GigaChatConnectionValidation>();
        services.AddSingleton<GigaChatTls>();
        services.AddSingleton<GigaChatCircuit>();
        services.AddSingleton<IGigaChatQuota, DatabaseGigaChatQuota>();
        services.AddSingleton<IGigaChatClient, HttpGigaChatClient>();
        services.AddSingleton<IGigaChatChat, HttpGigaChatChat>();
        services.AddHostedService<GigaChatStartupReport>();
        services.AddTransient<GigaChatRetryQuotaHandler>();

        var api = services.AddHttpClient(HttpGigaChatClient.HttpClientName, ConfigureApiClient)
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<GigaChatTls>().CreateHandler())
            .RedactLoggedHeaders(_ => true);
        api.AddResilienceHandler("gigachat-retry", (pipeline, context) => AddRetry(pipeline, Options(context)));
        api.AddHttpMessageHandler<GigaChatRetryQuotaHandler>();
        if (mode == GigaChatRunMode.Cloud)
        {
            services.AddSingleton<GigaChatTokenProvider>();
            services.AddHostedService<GigaChatTokenRefresher>();
            services.AddTransient<GigaChatBearerHandler>();
            api.AddHttpMessageHandler<GigaChatBearerHandler>();
            // The token endpoint: same TLS trust, a few retries of its own, no breaker (it is called rarely).
            services.AddHttpClient(GigaChatTokenProvider.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
                .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<GigaChatTls>().CreateHandler())
                .RedactLoggedHeaders(_ => true)
                .AddResilienceHandler("gigachat-oauth", (pipeline, context) =>
                {
                    var o = Options(context);
                    AddRetry(pipeline, o);
                    pipeline.AddTimeout(TimeSpan.FromSeconds(o.TimeoutSeconds));
                });
        }
        api.AddResilienceHandler("gigachat-breaker", (pipeline, context) =>
        {
            var o = Options(context);
            var circuit = context.ServiceProvider.GetRequiredService<GigaChatCircuit>();
            pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                FailureRatio = o.BreakerFailureRatio,
                MinimumThroughput = o.BreakerMinimumThroughput,
                SamplingDuration = TimeSpan.FromSeconds(o.BreakerSamplingSeconds),
                BreakDuration = TimeSpan.FromSeconds(o.BreakerBreakSeconds),
                // An outage, not a busy or picky GigaChat: 429 and 4xx leave the circuit closed.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
                {
                    { Exception: HttpRequestException or TimeoutRejectedException } => true,
                    { Result: { } r } => r.StatusCode == HttpStatusCode.RequestTimeout || (int)r.StatusCode >= 500,
                    _ => false,
                }),
                OnOpened = args =>
                {
                    circuit.Opened(args.BreakDuration);
                    return ValueTask.CompletedTask;
                },
            });
            pipeline.AddTimeout(TimeSpan.FromSeconds(o.TimeoutSeconds));
        });

        // Health: the same TLS setup, no retries or breaker, a short timeout.
        services.AddHttpClient(GigaChatConnectivity.ProbeHttpClientName, (sp, c) =>
            {
                ConfigureApiClient(sp, c);
                c.Timeout = TimeSpan.FromSeconds(10);
            })
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<GigaChatTls>().CreateHandler())
            .RedactLoggedHeaders(_ => true);
    }

    private static void ConfigureApiClient(IServiceProvider services, HttpClient client)
    {
        var baseUrl = services.GetRequiredService<IOptions<GigaChatOptions>>().Value.BaseUrl.TrimEnd('/') + "/";
        client.BaseAddress = new Uri(baseUrl);
        // The pipeline's timeouts apply per call; this one would cut retries short.
        client.Timeout = Timeout.InfiniteTimeSpan;
    }

    private static GigaChatOptions Options(ResilienceHandlerContext context) =>
        context.ServiceProvider.GetRequiredService<IOptions<GigaChatOptions>>().Value;

    private static void AddRetry(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, GigaChatOptions o)
    {
        if (o.MaxRetries == 0) return;
        var longest = TimeSpan.FromSeconds(o.MaxRetryDelaySeconds);
        pipeline.AddRetry(new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = o.MaxRetries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(o.RetryBaseDelayMs),
            MaxDelay = TimeSpan.FromSeconds(60),
            ShouldRetryAfterHeader = true,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
            {
                // A refused certificate stays refused; an open circuit means "stop calling".
                { Exception: HttpRequestException http } => !GigaChatErrors.IsTlsFailure(http),
                { Exception: TimeoutRejectedException } => true,
                { Result: { } r } when r.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)r.StatusCode >= 500 =>
                    // A long Retry-After is not waited out here: the request goes back to the queue instead.
                    GigaChatErrors.RetryAfterOf(r) is not { } wait || wait <= longest,
                _ => false,
            }),
        });
    }
}
