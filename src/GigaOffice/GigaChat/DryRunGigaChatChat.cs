using System.Runtime.CompilerServices;
using System.Text.Json;
using GigaOffice.Configuration;
using Microsoft.Extensions.Options;

namespace GigaOffice.GigaChat;

/// <summary>
/// The local model for general chat calls: a deterministic answer that names the question, in
/// word-sized stream pieces, with tokens estimated like the dry-run spreadsheet model's. A call that
/// forces a function gets that function called with empty arguments.
/// </summary>
public sealed class DryRunGigaChatChat(IOptions<GigaChatOptions> options) : IGigaChatChat
{
    private readonly int _delayMs = options.Value.DryRunDelayMs;

    public async Task<GigaChatCallResult> ChatAsync(GigaChatCall call, CancellationToken cancellationToken)
    {
        if (_delayMs > 0) await Task.Delay(_delayMs, cancellationToken);
        var (content, functionCall, finish) = Answer(call);
        return new GigaChatCallResult(content, functionCall, finish, Usage(call, content), DryRunGigaChatClient.ModelName);
    }

    public async IAsyncEnumerable<GigaChatCallChunk> StreamAsync(GigaChatCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (_delayMs > 0) await Task.Delay(_delayMs, cancellationToken);
        var (content, functionCall, finish) = Answer(call);
        if (functionCall is not null)
        {
            yield return new GigaChatCallChunk("", functionCall, finish, Usage(call, content), DryRunGigaChatClient.ModelName);
            yield break;
        }
        var words = content.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            var last = i == words.Length - 1;
            yield return new GigaChatCallChunk(last ? words[i] : words[i] + " ", null, last ? finish : null,
                last ? Usage(call, content) : null, DryRunGigaChatClient.ModelName);
        }
    }

    public Task<IReadOnlyList<GigaChatModel>> ModelsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<GigaChatModel>>([new GigaChatModel(DryRunGigaChatClient.ModelName, "gigaoffice")]);

    private static (string Content, GigaChatFunctionCall? Call, string Finish) Answer(GigaChatCall call)
    {
        if (call.Functions is { Count: > 0 } functions && call.FunctionCall is { ValueKind: JsonValueKind.Object } forced
            && forced.TryGetProperty("name", out var name) && functions.FirstOrDefault(f => f.Name == name.GetString()) is { } function)
            return ("", new GigaChatFunctionCall(function.Name, JsonSerializer.SerializeToElement(new { })), "function_call");
        var question = call.Messages.LastOrDefault(m => m.Role == "user")?.Content.Trim() ?? "";
        if (question.Length > 200) question = question[..200] + "…";
        var content = $"Тестовый режим (dry-run): GigaChat не вызывался. Ваш вопрос: «{question}».";
        if (call.MaxTokens is { } max && PromptBuilder.EstimateTokens(content) > max)
            return (content[..Math.Max(0, Math.Min(content.Length, max * 2))], null, "length");
        return (content, null, "stop");
    }

    private static TokenUsage Usage(GigaChatCall call, string content)
    {
        var prompt = call.Messages.Sum(m => PromptBuilder.EstimateTokens(m.Content));
        var completion = PromptBuilder.EstimateTokens(content);
        return new TokenUsage(prompt, completion, prompt + completion);
    }
}
