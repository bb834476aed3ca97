using GigaOffice.Configuration;
using GigaOffice.Queue.Kafka;
using Microsoft.Extensions.Options;

namespace GigaOffice.Queue;

public static class QueueSetup
{
    /// <summary>
    /// The in-process queue by default; Kafka (with its outbox relay) when KAFKA_BOOTSTRAP_SERVERS is
    /// set. Consumers and the recovery sweep run only where the role includes the worker.
    /// </summary>
    public static IServiceCollection AddRequestQueue(this IServiceCollection services, IConfiguration configuration, WorkerOptions worker)
    {
        services.AddOptions<KafkaOptions>().Bind(configuration.GetSection(KafkaOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<KafkaOptions>, KafkaOptionsValidation>();
        services.AddSingleton<IValidateOptions<WorkerOptions>, WorkerRoleValidation>();

        services.AddSingleton<ThisInstance>();
        var kafka = configuration.GetSection(KafkaOptions.Section).Get<KafkaOptions>() ?? new();
        if (kafka.Enabled)
        {
            services.AddSingleton<KafkaProducer>();
            services.AddSingleton<OutboxSignal>();
            services.AddSingleton<KafkaResponsePublisher>();
            services.AddSingleton<IRequestQueue, KafkaRequestQueue>();
            // Every role relays: API instances publish what they accepted, workers what they handed back.
            services.AddHostedService<OutboxRelay>();
            services.AddHealthChecks().AddCheck<OutboxHealthCheck>("outbox", tags: ["ready"]);
        }
        else
        {
            services.AddSingleton<IRequestQueue, InProcessRequestQueue>();
            // Instances sharing a database keep off each other's requests while they are alive.
            services.AddHostedService<InstanceHeartbeat>();
        }

        if (worker.RunsWorker)
        {
            services.AddHostedService<QueueWorker>();
            services.AddSingleton<RequestRecoveryService>();
            services.AddHostedService(sp => sp.GetRequiredService<RequestRecoveryService>());
        }
        return services;
    }
}
