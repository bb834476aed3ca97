using GigaOffice.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GigaOffice.Clients;

/// <summary>A new key's name and limits.</summary>
public sealed record CreateClientKeyRequest
{
    /// <summary>Who the key is for.</summary>
    /// <example>plugin-accounting</example>
    public string? Name { get; init; }
    /// <example>60</example>
    public int? RequestsPerMinute { get; init; }
    /// <summary>Tokens per UTC day; 0 or omitted means no budget.</summary>
    /// <example>200000</example>
    public long? DailyTokenBudget { get; init; }
}

/// <summary>New limits of a key: fields left out stay as they are.</summary>
public sealed record UpdateClientKeyRequest
{
    public string? Name { get; init; }
    /// <example>120</example>
    public int? RequestsPerMinute { get; init; }
    /// <summary>Tokens per UTC day; 0 means no budget.</summary>
    /// <example>500000</example>
    public long? DailyTokenBudget { get; init; }
}

public sealed record CreatedClientKeyResponse(
    Guid Id, string Name, string Prefix, int RequestsPerMinute, long DailyTokenBudget, DateTime CreatedAt, string ApiKey, string Message)
{
    public static CreatedClientKeyResponse From(CreatedClientKey created) => new(created.Info.Id, created.Info.Name, created.Info.Prefix,
        created.Info.RequestsPerMinute, created.Info.DailyTokenBudget, created.Info.CreatedAt, created.Key,
        "Сохраните ключ сейчас: он показан один раз и нигде не хранится.");
}

public static class ClientKeyEndpoints
{
    public const int DefaultRequestsPerMinute = 60;

    public static IEndpointRouteBuilder MapClientKeyAdmin(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin/keys").WithTags("Администрирование: ключи клиентов").RequireAdminKey();
        group.MapPost("/", CreateAsync).WithSummary("Создать API-ключ клиента (ключ показывается один раз)");
        group.MapGet("/", ListAsync).WithSummary("Список ключей и расход токенов за сегодня");
        group.MapPatch("/{id}", UpdateAsync).WithSummary("Изменить имя и лимиты ключа (по id или префиксу)");
        group.MapDelete("/{id}", RevokeAsync).WithSummary("Отозвать ключ (по id или префиксу)");
        return app;
    }

    public static Dictionary<string, string[]> Validate(string? name, int requestsPerMinute, long dailyTokenBudget)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 100) errors["name"] = ["Имя ключа обязательно, до 100 символов."];
        if (requestsPerMinute is < 1 or > 100_000) errors["requests_per_minute"] = ["Лимит запросов в минуту: от 1 до 100000."];
        if (dailyTokenBudget < 0) errors["daily_token_budget"] = ["Дневной бюджет токенов: 0 (без ограничения) или больше."];
        return errors;
    }

    internal static async Task<Results<Created<CreatedClientKeyResponse>, ValidationProblem>> CreateAsync(
        CreateClientKeyRequest body, ClientKeyStore keys, CancellationToken ct)
    {
        var rpm = body.RequestsPerMinute ?? DefaultRequestsPerMinute;
        var budget = body.DailyTokenBudget ?? 0;
        var errors = Validate(body.Name, rpm, budget);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Ключ не создан");
        var created = await keys.CreateAsync(body.Name!, rpm, budget, ct);
        return TypedResults.Created($"/api/admin/keys/{created.Info.Id}", CreatedClientKeyResponse.From(created));
    }

    internal static async Task<Ok<IReadOnlyList<ClientKeyInfo>>> ListAsync(ClientKeyStore keys, CancellationToken ct) =>
        TypedResults.Ok(await keys.ListAsync(ct));

    internal static async Task<Results<Ok<ClientKeyInfo>, NotFound<ProblemDetails>, ValidationProblem>> UpdateAsync(
        string id, UpdateClientKeyRequest body, ClientKeyStore keys, CancellationToken ct)
    {
        var key = await keys.FindAsync(id, ct);
        if (key is null) return KeyNotFound(id);
        var errors = Validate(body.Name ?? key.Name, body.RequestsPerMinute ?? key.RequestsPerMinute, body.DailyTokenBudget ?? key.DailyTokenBudget);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Ключ не изменён");
        return TypedResults.Ok(await keys.UpdateAsync(key, body.Name, body.RequestsPerMinute, body.DailyTokenBudget, ct));
    }

    private static NotFound<ProblemDetails> KeyNotFound(string id) =>
        TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "Ключ не найден", Detail = $"Ключа «{id}» нет." });

    internal static async Task<Results<Ok<ClientKeyInfo>, NotFound<ProblemDetails>>> RevokeAsync(string id, ClientKeyStore keys, CancellationToken ct) =>
        await keys.RevokeAsync(id, ct) is { } revoked
            ? TypedResults.Ok(revoked)
            : KeyNotFound(id);
}
