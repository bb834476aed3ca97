using System.Text.Json;
using GigaOffice.Data;
using GigaOffice.GigaChat;
using Microsoft.EntityFrameworkCore;

namespace GigaOffice.Prompts;

public sealed record CategoryInfo(
    int Id, string Name, string DisplayName, string Description, bool IsActive, int SortOrder,
    string ResultKind, string SystemPrompt, IReadOnlyList<PromptExample> Examples,
    IReadOnlyList<string> Keywords, int Version);

public sealed record PresetInfo(int Id, string Name, string Category, string Title, string PromptText, int SortOrder);

public sealed record PromptSnapshot(IReadOnlyList<CategoryInfo> Categories, IReadOnlyList<PresetInfo> Presets, string Stamp)
{
    public CategoryInfo? Find(string name) => Categories.FirstOrDefault(c => c.Name == name);

    /// <summary>
    /// Accepts the full machine name, its last word (the seed's example sends "analysis"),
    /// or the Russian display name.
    /// </summary>
    public CategoryInfo? Resolve(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var wanted = text.Trim();
        return Categories.FirstOrDefault(c => string.Equals(c.Name, wanted, StringComparison.OrdinalIgnoreCase))
               ?? Categories.FirstOrDefault(c => string.Equals(c.Name[(c.Name.LastIndexOf('-') + 1)..], wanted, StringComparison.OrdinalIgnoreCase))
               ?? Categories.FirstOrDefault(c => string.Equals(c.DisplayName, wanted, StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>
/// Categories and presets cached in memory. Every few seconds a cheap stamp query tells whether
/// another instance (or an admin) changed them; a local change invalidates at once.
/// </summary>
public sealed class PromptCatalog(IServiceScopeFactory scopes, TimeProvider time)
{
    private static readonly TimeSpan StampCheckInterval = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _reload = new(1, 1);
    private PromptSnapshot? _snapshot;
    private DateTimeOffset _checkedAt;
    private int _changes;       // local changes announced by Invalidate
    private int _changesLoaded; // ... of which the snapshot includes this many
    private int _checking;

    public void Invalidate() => Interlocked.Increment(ref _changes);

    private bool Invalidated => Volatile.Read(ref _changes) != Volatile.Read(ref _changesLoaded);

    public async Task<PromptSnapshot> GetAsync(CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        if (snapshot is not null && !Invalidated)
        {
            // The periodic check runs beside the callers, who go on with the snapshot they have:
            // inline, its four queries every 5 s were the slowest 1 % of the worker's own time.
            if (time.GetUtcNow() - _checkedAt >= StampCheckInterval && Interlocked.CompareExchange(ref _checking, 1, 0) == 0)
                _ = Task.Run(CheckInBackgroundAsync, CancellationToken.None);
            return snapshot;
        }
        // First load, or a change made here: wait for the fresh snapshot.
        return await ReloadAsync(cancellationToken);
    }

    private async Task CheckInBackgroundAsync()
    {
        try { await ReloadAsync(CancellationToken.None); }
        catch (Exception) { /* the database is away: keep serving the snapshot; the next check tries again */ }
        finally { Volatile.Write(ref _checking, 0); }
    }

    private async Task<PromptSnapshot> ReloadAsync(CancellationToken cancellationToken)
    {
        await _reload.WaitAsync(cancellationToken);
        try
        {
            if (_snapshot is not null && !Invalidated && time.GetUtcNow() - _checkedAt < StampCheckInterval) return _snapshot;
            // A change announced while loading is not counted as loaded: the next call reloads again.
            var changes = Volatile.Read(ref _changes);
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GigaOfficeDbContext>();
            var stamp = await StampAsync(db, cancellationToken);
            if (_snapshot is null || _snapshot.Stamp != stamp)
                _snapshot = await LoadAsync(db, stamp, cancellationToken);
            _checkedAt = time.GetUtcNow();
            Volatile.Write(ref _changesLoaded, changes);
            return _snapshot;
        }
        finally
        {
            _reload.Release();
        }
    }

    private static async Task<string> StampAsync(GigaOfficeDbContext db, CancellationToken ct)
    {
        var categories = await db.Categories.CountAsync(ct);
        var presets = await db.Presets.CountAsync(ct);
        var categoryLatest = await db.Categories.MaxAsync(c => (DateTime?)c.UpdatedAt, ct);
        var presetLatest = await db.Presets.MaxAsync(p => (DateTime?)p.UpdatedAt, ct);
        return $"{categories}/{presets}/{categoryLatest?.Ticks}/{presetLatest?.Ticks}";
    }

    private static async Task<PromptSnapshot> LoadAsync(GigaOfficeDbContext db, string stamp, CancellationToken ct)
    {
        var categories = await db.Categories.AsNoTracking().OrderBy(c => c.SortOrder).ThenBy(c => c.Id).ToListAsync(ct);
        var presets = await db.Presets.AsNoTracking().Where(p => p.IsActive)
            .OrderBy(p => p.SortOrder).ThenBy(p => p.Id).ToListAsync(ct);
        var names = categories.ToDictionary(c => c.Id, c => c.Name);
        return new PromptSnapshot(
            categories.Select(c => new CategoryInfo(c.Id, c.Name, c.DisplayName, c.Description, c.IsActive, c.SortOrder,
                c.ResultKind, c.SystemPrompt,
                JsonSerializer.Deserialize<List<PromptExample>>(c.ExamplesJson, GigaOfficeJson.Options) ?? [],
                JsonSerializer.Deserialize<List<string>>(c.KeywordsJson, GigaOfficeJson.Options) ?? [],
                c.Version)).ToList(),
            presets.Where(p => names.ContainsKey(p.CategoryId))
                .Select(p => new PresetInfo(p.Id, p.Name, names[p.CategoryId], p.Title, p.PromptText, p.SortOrder)).ToList(),
            stamp);
    }
}
