using GigaOffice.Configuration;

namespace GigaOffice.GigaChat;

public static class GigaChatSetup
{
    public static IServiceCollection AddGigaChat(this IServiceCollection services, GigaChatOptions options)
    {
        services.AddSingleton<PromptBuilder>();
        services.AddSingleton<AnswerParser>();
        switch (options.Mode)
        {
            case GigaChatRunMode.DryRun:
                services.AddSingleton<IGigaChatClient, DryRunGigaChatClient>();
                services.AddSingleton<IGigaChatQuota, UnlimitedQuota>();
                break;
            default:
                throw new InvalidOperationException(
                    $"GIGACHAT_RUN_MODE={options.RunMode} is not available in this build yet; use dryrun.");
        }
        return services;
    }
}
