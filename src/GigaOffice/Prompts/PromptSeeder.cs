using System.Text.Json;
using GigaOffice.Data;
using GigaOffice.GigaChat;
using Microsoft.EntityFrameworkCore;

namespace GigaOffice.Prompts;

/// <summary>
/// Brings the shipped categories and presets into the database. An upsert by name: ids never
/// change, new rows are added, and rows an admin customised are left as they are.
/// </summary>
public sealed class PromptSeeder(GigaOfficeDbContext db, PromptResources resources, TimeProvider time, ILogger<PromptSeeder> logger)
{
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var categories = await db.Categories.ToDictionaryAsync(c => c.Name, cancellationToken);
        int added = 0, updated = 0;

        foreach (var resource in resources.Categories())
        {
            var system = resources.SystemPrompt(resource.Name);
            var examplesJson = JsonSerializer.Serialize(system?.Examples ?? [], GigaOfficeJson.Options);
            var keywordsJson = JsonSerializer.Serialize(resource.Keywords ?? [], GigaOfficeJson.Options);
            if (!categories.TryGetValue(resource.Name, out var row))
            {
                row = new PromptCategory { Name = resource.Name, Version = system?.Version ?? 1 };
                db.Categories.Add(row);
                categories[resource.Name] = row;
                added++;
            }
            else if (row.IsCustomized)
            {
                continue;
            }
            var promptChanged = row.SystemPrompt != (system?.SystemPrompt ?? "") || row.ExamplesJson != examplesJson;
            var changed = promptChanged || row.DisplayName != resource.DisplayName || row.Description != resource.Description
                          || row.IsActive != resource.IsActive || row.SortOrder != resource.SortOrder
                          || row.ResultKind != resource.ResultKind || row.KeywordsJson != keywordsJson;
            if (!changed) continue;
            if (promptChanged && row.Id != 0) { row.Version++; updated++; }
            row.DisplayName = resource.DisplayName;
            row.Description = resource.Description;
            row.IsActive = resource.IsActive;
            row.SortOrder = resource.SortOrder;
            row.ResultKind = resource.ResultKind;
            row.SystemPrompt = system?.SystemPrompt ?? "";
            row.ExamplesJson = examplesJson;
            row.KeywordsJson = keywordsJson;
            row.UpdatedAt = now;
        }
        await db.SaveChangesAsync(cancellationToken);
        await RecordVersionsAsync(now, cancellationToken);

        var presets = await db.Presets.ToDictionaryAsync(p => p.Name, cancellationToken);
        foreach (var resource in resources.Presets())
        {
            if (!categories.TryGetValue(resource.Category, out var category))
            {
                logger.LogWarning("Preset {Preset} names unknown category {Category}; skipped", resource.Name, resource.Category);
                continue;
            }
            if (!presets.TryGetValue(resource.Name, out var row))
            {
                row = new PresetPrompt { Name = resource.Name };
                db.Presets.Add(row);
                added++;
            }
            else if (row.IsCustomized || (row.CategoryId == category.Id && row.Title == resource.Title
                                          && row.PromptText == resource.PromptText && row.SortOrder == resource.SortOrder))
            {
                continue;
            }
            row.CategoryId = category.Id;
            row.Title = resource.Title;
            row.PromptText = resource.PromptText;
            row.SortOrder = resource.SortOrder;
            row.UpdatedAt = now;
        }
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Prompt seeding: {Added} added, {Updated} category prompts updated", added, updated);
    }

    /// <summary>Keeps the history complete: every category's current version has its text recorded.</summary>
    private async Task RecordVersionsAsync(DateTime now, CancellationToken ct)
    {
        var recorded = (await db.CategoryVersions.Select(v => new { v.CategoryId, v.Version }).ToListAsync(ct))
            .Select(v => (v.CategoryId, v.Version)).ToHashSet();
        var missing = await db.Categories.AsNoTracking().ToListAsync(ct);
        foreach (var c in missing.Where(c => !recorded.Contains((c.Id, c.Version))))
            db.CategoryVersions.Add(new PromptCategoryVersion
            {
                CategoryId = c.Id, Version = c.Version, SystemPrompt = c.SystemPrompt, ExamplesJson = c.ExamplesJson,
                Source = c.IsCustomized ? "admin" : "seed", CreatedAt = now,
            });
        await db.SaveChangesAsync(ct);
    }
}
