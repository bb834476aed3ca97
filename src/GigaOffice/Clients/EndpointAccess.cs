using GigaOffice.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;

namespace GigaOffice.Clients;

/// <summary>Endpoint metadata: open to anyone (health, docs, Prometheus scraping).</summary>
public sealed class PublicEndpointMetadata;

/// <summary>Endpoint metadata: answers to a client key when keys are on (set on route groups).</summary>
public sealed class ClientAccessMetadata;

/// <summary>Endpoint metadata: the key's per-minute limit and daily token budget apply (set on route groups).</summary>
public sealed class ClientLimitsMetadata;

/// <summary>Endpoint metadata: this endpoint can spend GigaChat quota; the client limits must apply to it.</summary>
public sealed class SpendingEndpointMetadata;

/// <summary>Endpoint metadata: spends no GigaChat quota (reads, ratings), so the client limits skip it.</summary>
public sealed class FreeEndpointMetadata;

/// <summary>
/// Access rules as route-group conventions, so an endpoint added to a group gets them without asking.
/// A client group reads <c>app.MapGroup(prefix).RequireClientAccess().WithClientLimits()</c>; inside it,
/// endpoints that may call GigaChat say <c>.Spending()</c> and pure reads say <c>.Free()</c>.
/// Endpoints saying neither are limited too: forgetting a marker costs a client a permit, not the quota.
/// Everything else is either <c>.PublicEndpoint()</c> or <c>.RequireAdminKey()</c>; a test walks every
/// endpoint of the app and fails for any that is none of these.
/// </summary>
public static class EndpointAccess
{
    public const string ClientPolicy = "client-key";

    /// <summary>A client key is needed whenever keys are on; text fields are refused with control characters.</summary>
    public static TBuilder RequireClientAccess<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(ClientPolicy).RefuseControlCharacters().WithMetadata(new ClientAccessMetadata());

    /// <summary>The key's requests-per-minute limit and daily token budget, for every endpoint not marked <see cref="Free{TBuilder}"/>.</summary>
    public static TBuilder WithClientLimits<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireRateLimiting(ClientLimits.RateLimitPolicy)
            .AddEndpointFilter<TBuilder, DailyTokenBudgetFilter>()
            .WithMetadata(new ClientLimitsMetadata());

    /// <summary>Marks an endpoint that can spend GigaChat quota (documents the 429 of the client limits).</summary>
    public static RouteHandlerBuilder Spending(this RouteHandlerBuilder endpoint) => endpoint
        .WithMetadata(new SpendingEndpointMetadata())
        .ProducesProblem(StatusCodes.Status429TooManyRequests);

    /// <summary>Marks an endpoint that spends no quota: neither the per-minute limit nor the budget applies.</summary>
    public static TBuilder Free<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.DisableRateLimiting().WithMetadata(new FreeEndpointMetadata());

    /// <summary>Open to anyone, keys on or off.</summary>
    public static TBuilder PublicEndpoint<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AllowAnonymous().WithMetadata(new PublicEndpointMetadata());

    /// <summary>The client policy: an authenticated key when keys are required, anyone otherwise (decided once the server is bound).</summary>
    public static void AddClientPolicy(this AuthorizationOptions options) =>
        options.AddPolicy(ClientPolicy, p => p.AddRequirements(new ClientKeyRequirement()));

    /// <summary>True when the client limits must be applied to this request's endpoint.</summary>
    public static bool IsLimited(this HttpContext http) =>
        http.GetEndpoint()?.Metadata.GetMetadata<FreeEndpointMetadata>() is null;
}
