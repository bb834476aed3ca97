namespace GigaOffice.Data;

/// <summary>What a request answered from the cache stores: the source's answer, no tokens, no model call.</summary>
public sealed record CachedCompletion(DateTime CompletedAt, CacheSource Source, string CacheKey, int PromptVersion, double ProcessingMs);
