using System.Text;
using System.Text.Json;
using GigaOffice.GigaChat;

namespace GigaOffice.OpenAi;

/// <summary>An OpenAI chat request translated for GigaChat, with what is applied on this side (stop, tools vs functions).</summary>
public sealed record MappedChat(GigaChatCall Call, bool Stream, IReadOnlyList<string> Stop, bool ToolsStyle);

/// <summary>A request GigaChat cannot serve as asked: the 400 to answer, naming the field.</summary>
public sealed class ChatRequestException(string message, string? param, string code = "invalid_request") : Exception(message)
{
    public string? Param { get; } = param;
    public string Code { get; } = code;
}

/// <summary>
/// OpenAI chat request -> GigaChat call. Roles: system and developer become the one leading system
/// message GigaChat accepts; tool and function results become "function" messages; an assistant's
/// tool call becomes its function_call. Tools of type "function" map to GigaChat functions; what has no
/// GigaChat counterpart (n &gt; 1, several tool calls in one message, tool_choice "required", images,
/// JSON response formats) is refused with a 400 rather than silently dropped.
/// </summary>
public static class ChatRequestMapper
{
    public const int MaxStopSequences = 4;

    public static MappedChat Map(JsonElement root, string defaultModel)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new ChatRequestException("The request body must be a JSON object.", null);
        var model = OptionalString(root, "model") is { Length: > 0 } m ? m : defaultModel;
        if (model.Length > 128) throw new ChatRequestException("model is too long.", "model");
        var n = OptionalNumber(root, "n");
        if (n is not null and not 1) throw new ChatRequestException("Only n=1 is supported: GigaChat answers one choice per call.", "n", "unsupported_parameter");
        if (root.TryGetProperty("response_format", out var format) && format.ValueKind == JsonValueKind.Object
            && OptionalString(format, "type") is { } formatType && formatType != "text")
            throw new ChatRequestException($"response_format \"{formatType}\" is not supported by GigaChat; ask for JSON in the prompt instead.", "response_format", "unsupported_parameter");
        if (root.TryGetProperty("logprobs", out var logprobs) && logprobs.ValueKind == JsonValueKind.True)
            throw new ChatRequestException("logprobs are not supported by GigaChat.", "logprobs", "unsupported_parameter");

        var temperature = OptionalNumber(root, "temperature");
        if (temperature is < 0 or > 2) throw new ChatRequestException("temperature must be between 0 and 2.", "temperature");
        var topP = OptionalNumber(root, "top_p");
        if (topP is < 0 or > 1) throw new ChatRequestException("top_p must be between 0 and 1.", "top_p");
        var maxTokens = OptionalNumber(root, "max_completion_tokens") ?? OptionalNumber(root, "max_tokens");
        if (maxTokens is not null && (maxTokens < 1 || maxTokens > 1_000_000 || maxTokens != Math.Floor(maxTokens.Value)))
            throw new ChatRequestException("max_tokens must be a positive integer.", "max_tokens");

        var (functions, toolsStyle) = Functions(root);
        var functionCall = FunctionChoice(root, functions, toolsStyle);
        var messages = Messages(root);
        var call = new GigaChatCall(model, messages)
        {
            // GigaChat wants temperature > 0; 0 asks for the most deterministic answer, which its smallest value gives.
            Temperature = temperature is { } t ? Math.Max(t, 0.001) : null,
            TopP = topP,
            MaxTokens = maxTokens is { } mt ? (int)mt : null,
            Functions = functions,
            FunctionCall = functionCall,
        };
        var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        return new MappedChat(call, stream, Stop(root), toolsStyle);
    }

    private static List<GigaChatCallMessage> Messages(JsonElement root)
    {
        if (!root.TryGetProperty("messages", out var items) || items.ValueKind != JsonValueKind.Array || items.GetArrayLength() == 0)
            throw new ChatRequestException("messages must be a non-empty array.", "messages");
        var system = new StringBuilder();
        var messages = new List<GigaChatCallMessage>();
        var toolNames = new Dictionary<string, string>(); // tool_call_id -> function name
        var index = 0;
        foreach (var item in items.EnumerateArray())
        {
            var param = $"messages[{index++}]";
            if (item.ValueKind != JsonValueKind.Object) throw new ChatRequestException($"{param} must be an object.", param);
            var role = OptionalString(item, "role");
            switch (role)
            {
                case "system" or "developer":
                    if (system.Length > 0) system.Append("\n\n");
                    system.Append(Text(item, param));
                    break;
                case "user":
                    messages.Add(new GigaChatCallMessage("user", Text(item, param)));
                    break;
                case "assistant":
                    messages.Add(Assistant(item, param, toolNames));
                    break;
                case "tool":
                    var id = OptionalString(item, "tool_call_id") ?? throw new ChatRequestException($"{param}.tool_call_id is required.", param);
                    if (!toolNames.TryGetValue(id, out var toolName))
                        throw new ChatRequestException($"{param}.tool_call_id \"{id}\" answers no earlier assistant tool call.", param);
                    messages.Add(new GigaChatCallMessage("function", AsJsonObject(Text(item, param)), toolName));
                    break;
                case "function":
                    var name = OptionalString(item, "name") ?? throw new ChatRequestException($"{param}.name is required.", param);
                    messages.Add(new GigaChatCallMessage("function", AsJsonObject(Text(item, param)), name));
                    break;
                default:
                    throw new ChatRequestException($"{param}.role must be system, developer, user, assistant, tool or function.", param);
            }
        }
        if (system.Length > 0) messages.Insert(0, new GigaChatCallMessage("system", system.ToString()));
        if (messages.All(m => m.Role == "system")) throw new ChatRequestException("messages need at least one user message.", "messages");
        return messages;
    }

    private static GigaChatCallMessage Assistant(JsonElement item, string param, Dictionary<string, string> toolNames)
    {
        var content = item.TryGetProperty("content", out var c) && c.ValueKind != JsonValueKind.Null ? Text(item, param) : "";
        if (item.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array && calls.GetArrayLength() > 0)
        {
            if (calls.GetArrayLength() > 1)
                throw new ChatRequestException($"{param} has several tool calls; GigaChat takes one function call per message.", param, "unsupported_parameter");
            var call = calls[0];
            if (!call.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
                throw new ChatRequestException($"{param}.tool_calls[0].function is required.", param);
            var functionCall = FunctionCall(function, param);
            if (OptionalString(call, "id") is { } id) toolNames[id] = functionCall.Name;
            return new GigaChatCallMessage("assistant", content, FunctionCall: functionCall);
        }
        if (item.TryGetProperty("function_call", out var legacy) && legacy.ValueKind == JsonValueKind.Object)
            return new GigaChatCallMessage("assistant", content, FunctionCall: FunctionCall(legacy, param));
        return new GigaChatCallMessage("assistant", content);
    }

    private static GigaChatFunctionCall FunctionCall(JsonElement function, string param)
    {
        var name = OptionalString(function, "name") ?? throw new ChatRequestException($"{param}: the function call needs a name.", param);
        var arguments = OptionalString(function, "arguments") ?? "{}";
        try
        {
            return new GigaChatFunctionCall(name, JsonSerializer.Deserialize<JsonElement>(arguments.Length == 0 ? "{}" : arguments));
        }
        catch (JsonException)
        {
            throw new ChatRequestException($"{param}: the function call's arguments are not JSON.", param);
        }
    }

    /// <summary>A message's text: a string, or text parts joined. Other parts (images, audio, files) GigaChat's chat call cannot take.</summary>
    private static string Text(JsonElement item, string param)
    {
        if (!item.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null) return "";
        if (content.ValueKind == JsonValueKind.String) return content.GetString()!;
        if (content.ValueKind != JsonValueKind.Array) throw new ChatRequestException($"{param}.content must be a string or an array of parts.", param);
        var text = new StringBuilder();
        foreach (var part in content.EnumerateArray())
        {
            var type = part.ValueKind == JsonValueKind.Object ? OptionalString(part, "type") : null;
            if (type != "text")
                throw new ChatRequestException($"{param}.content: only text parts are supported, not \"{type}\".", param, "unsupported_content");
            text.Append(OptionalString(part, "text"));
        }
        return text.ToString();
    }

    /// <summary>GigaChat takes a function's result as a JSON object; plain text is wrapped as {"result": text}.</summary>
    private static string AsJsonObject(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind == JsonValueKind.Object) return text;
        }
        catch (JsonException) { }
        return JsonSerializer.Serialize(new { result = text }, GigaChatWire.Options);
    }

    private static (List<GigaChatFunction>? Functions, bool ToolsStyle) Functions(JsonElement root)
    {
        var functions = new List<GigaChatFunction>();
        var toolsStyle = false;
        if (root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array)
        {
            toolsStyle = true;
            var i = 0;
            foreach (var tool in tools.EnumerateArray())
            {
                var param = $"tools[{i++}]";
                if (tool.ValueKind != JsonValueKind.Object || OptionalString(tool, "type") != "function")
                    throw new ChatRequestException($"{param}: only tools of type \"function\" map to GigaChat functions.", param, "unsupported_tool");
                if (!tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
                    throw new ChatRequestException($"{param}.function is required.", param);
                functions.Add(Function(function, param));
            }
        }
        if (root.TryGetProperty("functions", out var legacy) && legacy.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var function in legacy.EnumerateArray())
                functions.Add(Function(function, $"functions[{i++}]"));
        }
        if (functions.Select(f => f.Name).Distinct().Count() != functions.Count)
            throw new ChatRequestException("Function names must be unique.", "tools");
        return (functions.Count > 0 ? functions : null, toolsStyle);
    }

    private static GigaChatFunction Function(JsonElement function, string param)
    {
        var name = function.ValueKind == JsonValueKind.Object ? OptionalString(function, "name") : null;
        if (string.IsNullOrEmpty(name) || name.Length > 64) throw new ChatRequestException($"{param}: a function needs a name of 1 to 64 characters.", param);
        if (function.TryGetProperty("strict", out var strict) && strict.ValueKind == JsonValueKind.True)
            throw new ChatRequestException($"{param}: strict function schemas are not supported by GigaChat.", param, "unsupported_tool");
        JsonElement? parameters = function.TryGetProperty("parameters", out var p) && p.ValueKind == JsonValueKind.Object ? p.Clone() : null;
        return new GigaChatFunction(name, OptionalString(function, "description"), parameters ?? JsonSerializer.SerializeToElement(new { type = "object", properties = new { } }));
    }

    private static JsonElement? FunctionChoice(JsonElement root, List<GigaChatFunction>? functions, bool toolsStyle)
    {
        var (choice, param) = root.TryGetProperty("tool_choice", out var t) && t.ValueKind != JsonValueKind.Null ? (t, "tool_choice")
            : root.TryGetProperty("function_call", out var f) && f.ValueKind != JsonValueKind.Null ? (f, "function_call") : (default, "");
        if (choice.ValueKind == JsonValueKind.Undefined) return functions is null ? null : JsonSerializer.SerializeToElement("auto");
        if (choice.ValueKind == JsonValueKind.String)
            return choice.GetString() switch
            {
                "auto" or "none" when functions is null => null,
                "auto" or "none" => choice.Clone(),
                "required" => throw new ChatRequestException("tool_choice \"required\" has no GigaChat counterpart: name the function instead.", param, "unsupported_parameter"),
                var other => throw new ChatRequestException($"{param} \"{other}\" is not one of auto, none or a named function.", param),
            };
        var named = choice.ValueKind == JsonValueKind.Object
            ? toolsStyle && choice.TryGetProperty("function", out var fn) && fn.ValueKind == JsonValueKind.Object ? OptionalString(fn, "name") : OptionalString(choice, "name")
            : null;
        if (named is null || functions?.Any(x => x.Name == named) != true)
            throw new ChatRequestException($"{param} must name one of the request's functions.", param);
        return JsonSerializer.SerializeToElement(new { name = named });
    }

    private static List<string> Stop(JsonElement root)
    {
        if (!root.TryGetProperty("stop", out var stop) || stop.ValueKind == JsonValueKind.Null) return [];
        List<string> list = stop.ValueKind switch
        {
            JsonValueKind.String => [stop.GetString()!],
            JsonValueKind.Array when stop.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String) => stop.EnumerateArray().Select(s => s.GetString()!).ToList(),
            _ => throw new ChatRequestException("stop must be a string or an array of strings.", "stop"),
        };
        list.RemoveAll(s => s.Length == 0);
        if (list.Count > MaxStopSequences) throw new ChatRequestException($"stop takes at most {MaxStopSequences} sequences.", "stop");
        return list;
    }

    private static string? OptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static double? OptionalNumber(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Number) throw new ChatRequestException($"{name} must be a number.", name);
        return value.GetDouble();
    }
}
