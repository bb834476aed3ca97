using Microsoft.AspNetCore.Authorization;

namespace GigaOffice.Clients;

/// <summary>A client key, when the service requires keys; met by anyone otherwise.</summary>
public sealed class ClientKeyRequirement : IAuthorizationRequirement;

public sealed class ClientKeyRequirementHandler(ClientAuthMode mode) : AuthorizationHandler<ClientKeyRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ClientKeyRequirement requirement)
    {
        if (!mode.Required || context.User.Identity?.IsAuthenticated == true) context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
