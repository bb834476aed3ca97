using GigaOffice.Configuration;
using GigaOffice.Data;
using GigaOffice.GigaChat;
using GigaOffice.Health;
using GigaOffice.Prompts;
using GigaOffice.Queue;
using GigaOffice.Requests;
using Microsoft.Extensions.Options;

namespace GigaOffice.Infrastructure;

public static class ServiceSetup
{
    /// <summary>Configuration sources in rising priority: appsettings, .env, environment, command line.</summary>
    public static void AddGigaOfficeConfiguration(this WebApplicationBuilder builder, string[] args)
    {
        builder.Configuration.AddSeedVariables(Path.Combine(builder.Environment.ContentRootPath, ".env"));
        builder.Configuration.AddCommandLine(args);
    }

    public static void AddGigaOfficeServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;

        services.AddOptions<ServerOptions>().Bind(configuration.GetSection(ServerOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<GigaChatOptions>().Bind(configuration.GetSection(GigaChatOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GigaChatOptions>, GigaChatOptionsValidation>();
        services.AddOptions<WorkerOptions>().Bind(configuration.GetSection(WorkerOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidation>();
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section));
        services.AddOptions<RequestLimitsOptions>().Bind(configuration.GetSection(RequestLimitsOptions.Section));
        services.AddOptions<AdminOptions>().Bind(configuration.GetSection(AdminOptions.Section)).ValidateOnStart();
        services.AddOptions<ResultCacheOptions>().Bind(configuration.GetSection(ResultCacheOptions.Section)).ValidateOnStart();
        services.AddOptions<ClassifierOptions>().Bind(configuration.GetSection(ClassifierOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AdminOptions>, AnswerOptionsValidation>();
        services.AddSingleton<IValidateOptions<ResultCacheOptions>, AnswerOptionsValidation>();
        services.AddSingleton<IValidateOptions<ClassifierOptions>, AnswerOptionsValidation>();
        services.AddOptions<MemoryOptions>().Bind(configuration.GetSection(MemoryOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MemoryOptions>, OperationsOptionsValidation>();
        services.AddHostedService<NativeMemoryTrimmer>();

        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new();
        var gigaChat = configuration.GetSection(GigaChatOptions.Section).Get<GigaChatOptions>() ?? new();
        var worker = configuration.GetSection(WorkerOptions.Section).Get<WorkerOptions>() ?? new();

        services.AddSingleton(TimeProvider.System);
        services.AddGigaOfficeDatabase(database, builder.Environment.ContentRootPath);
        services.AddGigaChat(gigaChat);

        services.AddSingleton(new PromptResources(configuration["Prompts:Directory"] ?? PromptResources.DefaultDirectory));
        services.AddSingleton<PromptCatalog>();
        services.AddSingleton<OfflineClassifier>();
        services.AddHostedService<OfflineClassifierWarmUp>();
        services.AddSingleton<RequestClassifier>();
        services.AddScoped<RequestIntake>();

        services.AddSingleton<ProcessRequestValidator>();
        services.AddSingleton<AcceptedRequestWriter>();
        services.AddSingleton<RequestProcessor>();
        services.AddRequestQueue(configuration, worker);

        services.AddGigaOfficeHealthChecks();
        services.AddProblemDetails();
        services.AddSingleton<IProblemDetailsWriter, ProblemJsonWriter>();
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.ConfigureHttpJsonOptions(o =>
        {
            GigaOfficeJson.Configure(o.SerializerOptions);
            // A field the service does not know is refused, naming it, rather than silently dropped:
            // a misspelt or misplaced field would otherwise change the answer without a word.
            o.SerializerOptions.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
        });
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddGigaOfficeOpenApi();
    }

    /// <summary>
    /// Runs the settings checks (ValidateOnStart) before the host starts, logging what is wrong.
    /// The host runs them too, but only once starting; a failed start disposes the host while the
    /// error is on its way out, and whoever waits on that host (the test host does) meets a
    /// disposed object instead of the message that names the variable.
    /// </summary>
    public static void ValidateSettings(this WebApplication app)
    {
        try
        {
            app.Services.GetRequiredService<IStartupValidator>().Validate();
        }
        catch (Exception error)
        {
            var failures = error is AggregateException all ? all.InnerExceptions : [error];
            app.Logger.LogCritical("Invalid settings, the service does not start: {Failures}", string.Join(" ", failures.Select(f => f.Message)));
            ExitWithCode1IfUnhandled(error);
            throw;
        }
    }

    /// <summary>
    /// The error is thrown on, for the test host, which runs Program and catches it. Left unhandled in
    /// a real process it would abort the runtime: exit code 134 (SIGABRT), a stack trace after the
    /// FTL line, and a core dump where systemd collects them, for what is a settings mistake. The
    /// process exits with 1 instead, as for any refused start.
    /// </summary>
    private static void ExitWithCode1IfUnhandled(Exception error) =>
        AppDomain.CurrentDomain.UnhandledException += (_, unhandled) =>
        {
            if (ReferenceEquals(unhandled.ExceptionObject, error)) Environment.Exit(1);
        };

    /// <summary>Listens on HOST:PORT (localhost:8000) unless ASPNETCORE_URLS or --urls says otherwise.</summary>
    public static void UseGigaOfficeUrls(this WebApplicationBuilder builder)
    {
        // Kestrel answers a request line over its limit itself, with an empty body; a higher limit
        // lets UseRequestBodyLimit refuse long URLs with problem+json instead (MaxUrlLength).
        builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestLineSize = 8 * MaxUrlLength);
        if (!string.IsNullOrEmpty(builder.Configuration["urls"]) || !string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"])) return;
        var server = builder.Configuration.GetSection(ServerOptions.Section).Get<ServerOptions>() ?? new();
        builder.WebHost.UseUrls($"http://{server.Host}:{server.Port}");
    }

    /// <summary>The longest path and query answered; longer ones get 414 as problem+json.</summary>
    public const int MaxUrlLength = 8 * 1024;

    /// <summary>
    /// Refuses URLs over <see cref="MaxUrlLength"/> (414) and bodies over the limit before they are read (Content-Length), and caps streamed ones.
    /// Also refuses a charset no decoder exists for: the JSON reader would throw an
    /// InvalidOperationException for it, which is the client's error, not a 500.
    /// </summary>
    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app)
    {
        var limit = app.ApplicationServices.GetRequiredService<IOptions<RequestLimitsOptions>>().Value.MaxBodyBytes;
        return app.Use(async (http, next) =>
        {
            if ((http.Request.Path.Value?.Length ?? 0) + (http.Request.QueryString.Value?.Length ?? 0) > MaxUrlLength)
            {
                await WriteProblemAsync(http, 414, "Адрес запроса слишком длинный", $"Путь и параметры — не длиннее {MaxUrlLength} символов.");
                return;
            }
            if (http.Request.ContentLength > limit)
            {
                await WriteProblemAsync(http, 413, "Тело запроса слишком большое", $"Не больше {limit} байт.");
                return;
            }
            if (HasUnknownCharset(http.Request.ContentType))
            {
                await WriteProblemAsync(http, 415, "Неизвестная кодировка тела запроса", "Отправляйте JSON в UTF-8: Content-Type: application/json; charset=utf-8.");
                return;
            }
            if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
                feature.MaxRequestBodySize = limit;
            await next(http);
        });
    }

    private static Task WriteProblemAsync(HttpContext http, int status, string title, string detail)
    {
        http.Response.StatusCode = status;
        return http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }

    private static bool HasUnknownCharset(string? contentType)
    {
        if (contentType is null || !Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)) return false;
        var charset = media.Charset;
        if (charset.Length == 0 || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)) return false;
        try
        {
            System.Text.Encoding.GetEncoding(charset.ToString());
            return false;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}
