using System.Text.Json;
using GigaOffice.GigaChat;
using GigaOffice.Prompts;

namespace GigaOffice.Tests.TestSupport;

/// <summary>The shipped prompts (resources/prompts) as the service loads them, without a database.</summary>
public static class TestPrompts
{
    public static readonly PromptResources Resources = new(PromptResources.DefaultDirectory);

    public static PromptSnapshot Snapshot(Func<CategoryInfo, CategoryInfo>? change = null)
    {
        var id = 0;
        var categories = Resources.Categories().Select(c =>
        {
            var system = Resources.SystemPrompt(c.Name);
            var info = new CategoryInfo(++id, c.Name, c.DisplayName, c.Description, c.IsActive, c.SortOrder, c.ResultKind,
                system?.SystemPrompt ?? "", system?.Examples ?? [], c.Keywords ?? [], system?.Version ?? 1);
            return change is null ? info : change(info);
        }).ToList();
        return new PromptSnapshot(categories, [], "test");
    }

    public static CategoryInfo Category(string name) => Snapshot().Find(name)!;

    public static JsonElement Table(params object?[][] rows) => JsonSerializer.SerializeToElement(rows, GigaOfficeJson.Options);

    public static readonly JsonElement Sales = Table(
        ["Товар", "Январь", "Февраль", "Март"],
        ["Товар A", 100, 120, 110],
        ["Товар B", 80, 90, 95]);
}
