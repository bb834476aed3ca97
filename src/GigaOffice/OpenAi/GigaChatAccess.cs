using GigaOffice.Configuration;
using GigaOffice.GigaChat;
using GigaOffice.Metrics;
using Microsoft.Extensions.Options;

namespace GigaOffice.OpenAi;

/// <summary>
/// What an OpenAI-compatible call needs from GigaChat besides the call itself: a slot of the
/// deployment-wide quota (waited for up to OPENAI_QUOTA_WAIT_SECONDS) and the cached model list.
/// </summary>
public sealed class GigaChatAccess(
    IGigaChatChat chat, IGigaChatQuota quota, IOptions<OpenAiOptions> options, IOptions<GigaChatOptions> gigaChat,
    GigaOfficeMetrics metrics, TimeProvider time)
{
    private readonly TimeSpan _maxWait = TimeSpan.FromSeconds(options.Value.QuotaWaitSeconds);
    private readonly TimeSpan _modelsFor = TimeSpan.FromSeconds(options.Value.ModelsCacheSeconds);
    private readonly SemaphoreSlim _modelsLock = new(1, 1);
    private (IReadOnlyList<GigaChatModel> Models, DateTimeOffset Until)? _models;

    public string DefaultModel { get; } = gigaChat.Value.Mode == GigaChatRunMode.DryRun ? DryRunGigaChatClient.ModelName : gigaChat.Value.Model;

    /// <summary>Null when a slot was taken; otherwise how long until one frees up (longer than the call may wait).</summary>
    public async Task<TimeSpan?> TakeQuotaAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            if (await quota.TryAcquireAsync(cancellationToken) is not { } wait)
            {
                var waited = time.GetElapsedTime(started);
                if (waited > TimeSpan.FromMilliseconds(50)) metrics.QuotaWaited(waited);
                return null;
            }
            var left = _maxWait - time.GetElapsedTime(started);
            if (wait > left) return wait;
            await Task.Delay(wait < TimeSpan.FromMilliseconds(20) ? TimeSpan.FromMilliseconds(20) : wait, time, cancellationToken);
        }
    }

    public async Task<IReadOnlyList<GigaChatModel>> ModelsAsync(CancellationToken cancellationToken)
    {
        if (_models is { } cached && cached.Until > time.GetUtcNow()) return cached.Models;
        await _modelsLock.WaitAsync(cancellationToken);
        try
        {
            if (_models is { } again && again.Until > time.GetUtcNow()) return again.Models;
            var models = await chat.ModelsAsync(cancellationToken);
            _models = (models, time.GetUtcNow() + _modelsFor);
            return models;
        }
        finally
        {
            _modelsLock.Release();
        }
    }
}
