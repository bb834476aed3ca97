using System.Text.Json;

namespace FakeGigaChat;

/// <summary>GigaChat function calling, as the fake understands it: the request's functions and function_call, and the reply's function_call.</summary>
public sealed partial class FakeGigaChatServer
{
    private volatile bool _ignoreFunctions;

    /// <summary>
    /// While true the fake behaves as a model that answers in text even when a function is forced
    /// (some models and scopes do): replies with <see cref="FakeReply.FunctionArguments"/> send their Content instead.
    /// </summary>
    public bool IgnoreFunctions
    {
        get => _ignoreFunctions;
        set => _ignoreFunctions = value;
    }

    /// <summary>
    /// Multiplies what POST /tokens/count answers (default 1: characters / 3), to play a tokenizer
    /// that counts more tokens than the service's estimate.
    /// </summary>
    public double TokenCountFactor { get; set; } = 1;

    /// <summary>Reads functions and function_call; as GigaChat, refuses (422) a forced function that is not offered.</summary>
    private static (List<string> Functions, string? FunctionCall, string? Forced) ParseFunctions(JsonElement root)
    {
        var functions = new List<string>();
        if (root.TryGetProperty("functions", out var list) && list.ValueKind != JsonValueKind.Null)
        {
            if (list.ValueKind != JsonValueKind.Array) throw Unprocessable("functions must be an array");
            foreach (var function in list.EnumerateArray())
            {
                if (function.ValueKind != JsonValueKind.Object || !function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
                    || !function.TryGetProperty("parameters", out var parameters) || parameters.ValueKind != JsonValueKind.Object)
                    throw Unprocessable($"functions[{functions.Count}] needs a name and a parameters object");
                functions.Add(name.GetString()!);
            }
        }
        string? call = null, forced = null;
        if (root.TryGetProperty("function_call", out var functionCall))
        {
            switch (functionCall.ValueKind)
            {
                case JsonValueKind.String when functionCall.GetString() is "auto" or "none":
                    call = functionCall.GetString();
                    break;
                case JsonValueKind.Object when functionCall.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String:
                    call = forced = name.GetString();
                    if (!functions.Contains(forced!)) throw Unprocessable($"function_call names {forced}, which is not in functions");
                    break;
                case JsonValueKind.Null:
                    break;
                default:
                    throw Unprocessable("function_call must be \"auto\", \"none\" or {\"name\": ...}");
            }
        }
        return (functions, call, forced);
    }

    /// <summary>The function the reply calls, or null when it answers in text.</summary>
    private (string Name, JsonElement Arguments)? FunctionCallOf(ChatCompletionRequest request, FakeReply reply)
    {
        if (reply.FunctionArguments is null || IgnoreFunctions || request.Functions.Count == 0 || request.FunctionCall == "none") return null;
        var name = reply.FunctionName ?? request.ForcedFunction ?? request.Functions[0];
        using var arguments = JsonDocument.Parse(reply.FunctionArguments);
        return (name, arguments.RootElement.Clone());
    }
}
