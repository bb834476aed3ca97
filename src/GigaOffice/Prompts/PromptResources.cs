using System.Text.Json;
using System.Text.Json.Serialization;
using GigaOffice.GigaChat;
using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GigaOffice.Prompts;

public sealed record CategoryResource(
    string Name, string DisplayName, string Description, bool IsActive, int SortOrder,
    string ResultKind, IReadOnlyList<string>? Keywords);

public sealed record PresetResource(string Name, string Category, string Title, string PromptText, int SortOrder);

/// <summary>A worked example shown to the model: a request and the answer expected for it.</summary>
public sealed record PromptExample(string Query, string? InputRange, JsonElement? InputData, string Answer);

public sealed record SystemPromptResource(string Category, int Version, string SystemPrompt, IReadOnlyList<PromptExample> Examples);

/// <summary>Reads the prompt files shipped in <c>resources/prompts</c>.</summary>
public sealed class PromptResources(string directory)
{
    public string Directory { get; } = directory;

    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "resources", "prompts");

    public IReadOnlyList<CategoryResource> Categories() =>
        ReadJson<List<CategoryResource>>("prompt_categories.json");

    public IReadOnlyList<PresetResource> Presets() =>
        ReadJson<List<PresetResource>>("default_prompts.json");

    public SystemPromptResource? SystemPrompt(string category)
    {
        var path = Path.Combine(Directory, $"system_prompt_{category}.yaml");
        if (!File.Exists(path)) return null;
        var stream = new YamlStream();
        using (var reader = new StreamReader(path)) stream.Load(reader);
        if (stream.Documents.Count == 0) throw new InvalidDataException($"{path} is empty");
        // YAML -> JSON -> record keeps one set of (snake_case) names for both file formats.
        var json = ToJson(stream.Documents[0].RootNode);
        return json.Deserialize<SystemPromptResource>(ResourceJson) ?? throw new InvalidDataException($"{path} is empty");
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", ToJson(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode { Style: ScalarStyle.Plain } plain => PlainScalar(plain.Value),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => null,
    };

    /// <summary>Unquoted YAML scalars keep their YAML type: numbers, booleans and null.</summary>
    private static JsonNode? PlainScalar(string? value)
    {
        if (value is null or "~" or "null" or "") return null;
        if (value is "true" or "false") return JsonValue.Create(value == "true");
        if (decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)) return JsonValue.Create(number);
        return JsonValue.Create(value);
    }

    private T ReadJson<T>(string file)
    {
        var path = Path.Combine(Directory, file);
        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize<T>(stream, ResourceJson) ?? throw new InvalidDataException($"{path} is empty");
    }

    private static readonly JsonSerializerOptions ResourceJson = CreateResourceJson();

    private static JsonSerializerOptions CreateResourceJson()
    {
        var options = GigaOfficeJson.Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));
        // A quoted version ("1") is still a version.
        options.NumberHandling = JsonNumberHandling.AllowReadingFromString;
        return options;
    }
}
