using GigaOffice.GigaChat;

namespace GigaOffice.OpenAi;

/// <summary>GigaChat answers in OpenAI's shapes.</summary>
public static class ChatResponses
{
    public static string NewId() => "chatcmpl-" + Guid.NewGuid().ToString("N");

    public static OpenAiChatCompletion Completion(MappedChat request, GigaChatCallResult answer, long created)
    {
        var (content, stopped) = StopSequences.Cut(answer.Content, request.Stop);
        var toolCall = answer.FunctionCall is { } call ? FunctionCall(call) : null;
        var message = new OpenAiMessage(
            toolCall is not null && content.Length == 0 ? null : content,
            toolCall is not null && request.ToolsStyle ? [new OpenAiToolCall(ToolCallId(), toolCall)] : null,
            toolCall is not null && !request.ToolsStyle ? toolCall : null);
        var finish = stopped ? "stop" : FinishReason(answer.FinishReason, request.ToolsStyle);
        return new OpenAiChatCompletion(NewId(), created, answer.Model, [new OpenAiChoice(0, message, finish)], Usage(answer.Usage));
    }

    public static OpenAiUsage Usage(TokenUsage usage) => new(usage.PromptTokens, usage.CompletionTokens, usage.TotalTokens);

    public static OpenAiFunctionCall FunctionCall(GigaChatFunctionCall call) => new(call.Name, call.Arguments.GetRawText());

    /// <summary>GigaChat gives function calls no id; the client needs one to answer with a tool message.</summary>
    public static string ToolCallId() => "call_" + Guid.NewGuid().ToString("N")[..24];

    /// <summary>GigaChat's finish reasons in OpenAI's words: "blacklist" (a topic it refuses) is a content filter.</summary>
    public static string FinishReason(string gigaChat, bool toolsStyle) => gigaChat switch
    {
        "length" => "length",
        "function_call" => toolsStyle ? "tool_calls" : "function_call",
        "blacklist" => "content_filter",
        _ => "stop",
    };
}
