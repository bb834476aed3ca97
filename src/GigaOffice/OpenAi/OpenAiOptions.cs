using System.ComponentModel.DataAnnotations;

namespace GigaOffice.OpenAi;

public sealed class OpenAiOptions
{
    public const string Section = "OpenAi";

    /// <summary>How long a call may wait for the deployment's GigaChat quota before it is refused with 429.</summary>
    [Range(0, 120, ErrorMessage = "OPENAI_QUOTA_WAIT_SECONDS must be between 0 and 120.")]
    public int QuotaWaitSeconds { get; set; } = 10;

    /// <summary>Store the messages and the answer of every call (off: only key, model, tokens, time, status).</summary>
    public bool LogContent { get; set; }

    /// <summary>How long GigaChat's model list is reused.</summary>
    [Range(0, 86400, ErrorMessage = "OPENAI_MODELS_CACHE_SECONDS must be between 0 and 86400.")]
    public int ModelsCacheSeconds { get; set; } = 600;
}
