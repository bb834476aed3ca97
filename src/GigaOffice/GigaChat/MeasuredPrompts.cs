using GigaOffice.Prompts;

namespace GigaOffice.GigaChat;

/// <summary>
/// Builds the prompt and, when its estimate lies within 15% of GIGACHAT_MAX_TOKENS_PER_REQUEST,
/// measures it with GigaChat's own tokenizer (POST /tokens/count) before trimming the table: the
/// estimate is deliberately pessimistic, so a table it would cut often fits, and on text it
/// under-counts the estimate could send a prompt GigaChat refuses. Far from the limit the estimate
/// decides alone (no call). The dry-run model cannot measure: the estimate decides there.
/// </summary>
public sealed class MeasuredPrompts(PromptBuilder builder, IGigaChatClient gigaChat, ILogger<MeasuredPrompts> logger)
{
    public const double Window = 0.15;

    public async Task<BuiltPrompt> BuildAsync(CategoryInfo category, RequestContext context, int maxTokens, CancellationToken cancellationToken)
    {
        var prompt = builder.Build(category, context, maxTokens);
        if (Math.Abs(prompt.UntrimmedTokens - maxTokens) > maxTokens * Window) return prompt;

        // The whole table is measured: if it fits by GigaChat's count, nothing is cut.
        var whole = prompt.DataTruncated ? builder.Build(category, context, int.MaxValue) : prompt;
        var counts = await gigaChat.CountTokensAsync(whole.Messages.Select(m => m.Content).ToList(), cancellationToken);
        if (counts is null) return prompt;
        var measured = counts.Sum();
        logger.LogDebug("Prompt near the token limit: estimated {Estimated}, measured {Measured}, limit {Limit}", whole.EstimatedTokens, measured, maxTokens);
        if (measured <= maxTokens) return whole with { MeasuredTokens = measured };

        // Too large by GigaChat's count: trimmed to a budget scaled by how the estimate compares to it.
        // A little under the proportion: tokens per character differ between the rows.
        var scaled = (int)Math.Floor(0.97 * maxTokens * whole.EstimatedTokens / measured);
        return builder.Build(category, context, Math.Max(1, scaled)) with { MeasuredTokens = measured };
    }
}
