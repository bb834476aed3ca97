using System.Text.Json;
using GigaOffice.GigaChat;
using GigaOffice.Prompts;

namespace GigaOffice.Requests;

/// <summary>The model's call for one attempt, begun before the claim is known to hold.</summary>
internal sealed class ModelCall(CancellationTokenSource abandon)
{
    /// <summary>Set once the request goes to the model: from then its quota slot counts as spent.</summary>
    public volatile bool Sent;

    public Task<ModelAnswer> Result { get; set; } = null!; // set by whoever starts the call

    /// <summary>Cancels a call whose claim did not hold and waits for it to end; true if it had reached the model.</summary>
    public async Task<bool> AbandonAsync()
    {
        await abandon.CancelAsync();
        try { await Result; }
        catch { /* its outcome belongs to the worker that holds the claim */ }
        return Sent;
    }
}

/// <param name="Input">The parsed table <see cref="RequestContext.InputData"/> points into; the caller disposes it.</param>
internal sealed record ModelAnswer(CategoryInfo Category, RequestContext Context, BuiltPrompt Prompt, GigaChatCompletion Completion, double GigaChatMs, JsonDocument? Input);
