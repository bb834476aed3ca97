using System.Collections.Concurrent;

namespace GigaOffice.Clients;

/// <summary>
/// Tokens a key has committed in this instance that the database does not show yet: the estimate of
/// each OpenAI-compatible call in flight, then its real tokens until its record is written
/// (<see cref="OpenAi.OpenAiCallLog"/> writes in the background). The budget check adds them to the
/// database's sum. Per instance, like the key's lock (nginx routes a key to one instance).
/// </summary>
public sealed class UnrecordedTokens
{
    private readonly ConcurrentDictionary<Guid, long> _tokens = new();

    public long Of(Guid keyId) => _tokens.TryGetValue(keyId, out var tokens) ? tokens : 0;

    public void Add(Guid keyId, long tokens)
    {
        if (tokens != 0) _tokens.AddOrUpdate(keyId, tokens, (_, sum) => sum + tokens);
    }
}

/// <summary>
/// The budget check's hold on a key (<see cref="DailyTokenBudgetFilter"/>): the key's next request is
/// checked only after this one's cost is visible. An endpoint whose work outlasts its acceptance (a
/// chat call that waits for GigaChat's answer) reserves an estimate in memory and lets go at once,
/// so the key's parallel calls are checked against it instead of waiting for the answer.
/// </summary>
public sealed class BudgetHold(SemaphoreSlim keyLock, UnrecordedTokens unrecorded, Guid keyId)
{
    private int _released;

    private void Add(long tokens) => unrecorded.Add(keyId, tokens);

    /// <summary>Reserves the estimate and releases the key; the tokens reserved (0 when the key has no budget to hold).</summary>
    public static long Reserve(HttpContext http, long estimate)
    {
        if (http.Features.Get<BudgetHold>() is not { } hold) return 0;
        hold.Add(estimate);
        hold.Release();
        return estimate;
    }

    /// <summary>For a call whose tokens the budget does not count (classification): the key's other requests need not wait for it.</summary>
    public static void LetGo(HttpContext http) => http.Features.Get<BudgetHold>()?.Release();

    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) keyLock.Release();
    }
}
