using System.Collections.Concurrent;
using GigaOffice.Data;
using GigaOffice.Prompts;
using Microsoft.EntityFrameworkCore;

namespace GigaOffice.Clients;

/// <summary>
/// A key's daily token budget counts what its requests will cost, not only what they cost so far:
/// real tokens of finished requests plus an estimate for each request still queued or in work
/// (its category's prompt and its own text, capped at the prompt limit, plus room for the answer). No settlement step is
/// needed: once a request finishes, its real tokens replace the estimate in the same sum. Checking
/// and accepting are serialised per key (<see cref="ClientKeyLocks"/>), so a burst overshoots by at
/// most the last accepted request.
/// </summary>
public static class TokenReservations
{
    /// <summary>Room for the model's answer: a generous answer of this service; its real size replaces it when known.</summary>
    public const int CompletionReserve = 1000;

    /// <summary>
    /// Tokens reserved for a pending request: its category's system prompt and examples plus its own
    /// text (query, table, styles), estimated as PromptBuilder does and capped at the prompt limit, plus the answer's room.
    /// </summary>
    public static long Estimate(CategoryInfo? category, long characters, int maxPromptTokens)
    {
        var fixedCharacters = category is null ? 0
            : category.SystemPrompt.Length + category.Examples.Sum(e => e.Query.Length + e.Answer.Length + (e.InputData?.GetRawText().Length ?? 0));
        return Math.Min(maxPromptTokens, (fixedCharacters + characters + 1) / 2) + CompletionReserve;
    }

    /// <summary>Tokens reserved for a chat call of the OpenAI-compatible API: its messages' text, estimated as above, and the answer's bound or room.</summary>
    public static long Estimate(long messageCharacters, int? maxTokens) => (messageCharacters + 1) / 2 + (maxTokens ?? CompletionReserve);

    /// <summary>Tokens of the key's requests and OpenAI-compatible calls made since <paramref name="dayStart"/>: both spend from one budget.</summary>
    public static async Task<long> SpentTodayAsync(GigaOfficeDbContext db, Guid keyId, DateTime dayStart, CancellationToken ct) =>
        await db.Requests.AsNoTracking().Where(r => r.ClientKeyId == keyId && r.CreatedAt >= dayStart).SumAsync(r => (long)r.TotalTokens, ct)
        + await db.OpenAiCalls.AsNoTracking().Where(c => c.ClientKeyId == keyId && c.CreatedAt >= dayStart).SumAsync(c => (long)c.TotalTokens, ct);

    /// <summary>Real tokens of the key's requests created today plus estimates of those not finished yet.</summary>
    public static async Task<long> CommittedTodayAsync(
        GigaOfficeDbContext db, PromptSnapshot prompts, Guid keyId, DateTime dayStart, int maxPromptTokens, CancellationToken ct)
    {
        var today = db.Requests.AsNoTracking().Where(r => r.ClientKeyId == keyId && r.CreatedAt >= dayStart);
        var spent = await SpentTodayAsync(db, keyId, dayStart, ct);
        var pending = await today.Where(r => r.Status == RequestStatus.Queued || r.Status == RequestStatus.Processing)
            .Select(r => new
            {
                r.Category,
                Characters = (long)r.QueryText.Length + (r.InputDataJson == null ? 0 : r.InputDataJson.Length) + (r.InputStylesJson == null ? 0 : r.InputStylesJson.Length),
            })
            .ToListAsync(ct);
        return spent + pending.Sum(p => Estimate(prompts.Find(p.Category), p.Characters, maxPromptTokens));
    }
}

/// <summary>One lock per client key (in this instance; nginx routes a key to one instance): budget check and accept in one step.</summary>
public sealed class ClientKeyLocks
{
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _locks = new();

    public SemaphoreSlim For(Guid keyId) => _locks.GetOrAdd(keyId, _ => new SemaphoreSlim(1, 1));
}
