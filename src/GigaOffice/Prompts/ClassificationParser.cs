using GigaOffice.Answers;
using System.Globalization;
using System.Text.Json;
using GigaOffice.GigaChat;

namespace GigaOffice.Prompts;

/// <summary>
/// Reads the model's classification answer: <c>{category, confidence, text_content,
/// required_table_info{...}}</c>. Null when it cannot be used (no JSON, unknown category), so
/// the caller keeps the offline classifier's verdict. Pure function over strings.
/// </summary>
public static class ClassificationParser
{
    public static Classification? Parse(string? content, PromptSnapshot prompts, string? inputRange)
    {
        if (string.IsNullOrWhiteSpace(content)) return null;
        foreach (var candidate in LenientJson.Candidates(content, out _))
        {
            if (LenientJson.TryParseObject(candidate) is not { } parsed) continue;
            if (Read(parsed.Value, prompts, inputRange) is { } classification) return classification;
        }
        return null;
    }

    private static Classification? Read(JsonElement root, PromptSnapshot prompts, string? inputRange)
    {
        if (Text(Get(root, "category")) is not { } name) return null;
        var category = prompts.Resolve(name);
        // An admin may deactivate a category; "uncertain" is inactive by design yet a valid verdict.
        if (category is null || (!category.IsActive && category.Name != "uncertain")) return null;

        var confidence = Get(root, "confidence") switch
        {
            { ValueKind: JsonValueKind.Number } n => n.GetDouble(),
            { ValueKind: JsonValueKind.String } s when double.TryParse(s.GetString()!.Trim().TrimEnd('%').Replace(',', '.'), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) => v,
            _ => 0.5,
        };
        // "85" or "85%" is a percentage; 1.7 is just out of range.
        if (confidence is > 1 and <= 100 && confidence == Math.Floor(confidence)) confidence /= 100;
        confidence = Math.Round(Math.Clamp(confidence, 0, 1), 2);

        var plan = Text(Get(root, "text_content")) ?? Classification.Plan(category.Name, inputRange);
        var minimum = RequiredTableInfo.For(category.Name);
        var info = Get(root, "required_table_info") is { ValueKind: JsonValueKind.Object } flags
            ? minimum.Union(new RequiredTableInfo(
                Flag(flags, "needs_column_headers"), Flag(flags, "needs_header_styles"), Flag(flags, "needs_cell_values"),
                Flag(flags, "needs_cell_styles"), Flag(flags, "needs_column_metadata")))
            : minimum;
        return new Classification(category.Name, category.DisplayName, confidence, plan, info) { Source = ClassificationSource.Model };
    }

    private static bool Flag(JsonElement flags, string name) => Get(flags, name) switch
    {
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.String } s => s.GetString()!.Trim().ToLowerInvariant() is "true" or "yes" or "да" or "1",
        { ValueKind: JsonValueKind.Number } n => n.GetDouble() != 0,
        _ => false,
    };

    private static string? Text(JsonElement? element) =>
        element is { ValueKind: JsonValueKind.String } s && !string.IsNullOrWhiteSpace(s.GetString()) ? s.GetString()!.Trim() : null;

    private static JsonElement? Get(JsonElement obj, string name) => LenientJson.Property(obj, name);
}
