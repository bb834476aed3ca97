namespace GigaOffice.Data;

public static class RequestStatus
{
    public const string Queued = "queued";
    public const string Processing = "processing";
    public const string Completed = "completed";
    public const string Failed = "failed";

    public static readonly string[] All = [Queued, Processing, Completed, Failed];
}

/// <summary>One user request and, once processed, its result. The row is the source of truth
/// for the queue too: a request is never lost while its row says it is not finished.</summary>
public sealed class AiRequest
{
    public Guid Id { get; set; }
    public string Status { get; set; } = RequestStatus.Queued;
    public string QueryText { get; set; } = "";
    public string? InputRange { get; set; }
    public string Category { get; set; } = "";
    /// <summary>True when the client did not name a category and the service chose it.</summary>
    public bool CategoryClassified { get; set; }
    /// <summary>
    /// The table as sent, JSON array of rows, in UTF-8: kept as bytes from the request body to the
    /// worker's parser, so that a table at the size limit is never also a 4 MB string
    /// (docs/BENCHMARKS.md, change 41). PostgreSQL stores it as bytea, SQLite as TEXT.
    /// </summary>
    public byte[]? InputDataJson { get; set; }
    public string? CorrelationId { get; set; }
    /// <summary>The client key that sent it; null when the service runs without authentication.</summary>
    public Guid? ClientKeyId { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    /// <summary>Until when the worker that claimed it owns it; past that another worker takes over.</summary>
    public DateTime? LeaseUntil { get; set; }
    public int Attempts { get; set; }
    /// <summary>Transactional outbox for a durable queue (Kafka): null while a notice for the request still has
    /// to be published; the relay sets it once the broker has acknowledged one. Unused by the in-process queue.</summary>
    public DateTime? PublishedAt { get; set; }
    /// <summary>With the in-process queue: the instance (<see cref="ServiceInstance"/>) that accepted the request and
    /// works on it while it is alive; the recovery sweeps of other instances leave it alone until then. Null with Kafka.</summary>
    public Guid? AcceptedBy { get; set; }

    /// <summary>The parsed answer (JSON of <see cref="GigaChat.SpreadsheetAnswer"/>).</summary>
    public string? ResultJson { get; set; }
    /// <summary>The model's raw text, kept for the admin when it could not be used.</summary>
    public string? RawAnswer { get; set; }
    public string? ErrorCode { get; set; }
    public string? ErrorMessage { get; set; }

    public string? Model { get; set; }
    public int? PromptVersion { get; set; }
    public int PromptTokens { get; set; }
    public int CompletionTokens { get; set; }
    public int TotalTokens { get; set; }
    /// <summary>The part of <see cref="PromptTokens"/> GigaChat served from its session cache (X-Session-ID).</summary>
    public int PrecachedPromptTokens { get; set; }
    /// <summary>From start of processing to the result, ready to be written with this row (so without that write;
    /// the metric gigaoffice.request.processing.duration includes it).</summary>
    public double? ProcessingMs { get; set; }
    /// <summary>Time spent waiting for GigaChat, part of <see cref="ProcessingMs"/>.</summary>
    public double? GigaChatMs { get; set; }

    /// <summary>SHA-256 of everything that determines the answer (input, category, prompt version, table parts, model):
    /// a completed request with the same key is a cached answer for this one.</summary>
    public string? CacheKey { get; set; }
    /// <summary>Set when the result was copied from an earlier identical request instead of calling GigaChat.</summary>
    public Guid? CachedFromId { get; set; }
    /// <summary>Which parts of the table the model is sent (JSON of RequiredTableInfo); null: the category's default.</summary>
    public string? TableInfoJson { get; set; }
    /// <summary>Styles of the input table when it came through the structured API (JSON of InputStyles).</summary>
    public string? InputStylesJson { get; set; }
    /// <summary>Who chose the category: "client", "offline", "model" or "function" (<see cref="Prompts.ClassificationSource"/>).</summary>
    public string? ClassifiedBy { get; set; }
    /// <summary>The confidence of the classification that chose the category; null when the client named it.</summary>
    public double? ClassificationConfidence { get; set; }
    /// <summary>Tokens the classification call to GigaChat used (billed apart from the answer).</summary>
    public int ClassificationTokens { get; set; }
}

/// <summary>A user's rating of one answer. One per request: rating again replaces it.</summary>
public sealed class RequestFeedback
{
    public const int MaxCommentLength = 2000;
    public int Id { get; set; }
    public Guid RequestId { get; set; }
    /// <summary>1 (useless) to 5 (exactly right).</summary>
    public int Rating { get; set; }
    public string? Comment { get; set; }
    /// <summary>Copied from the request so that metrics group feedback without a join.</summary>
    public string Category { get; set; } = "";
    public int? PromptVersion { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>What a category's prompt said at each version, so feedback per version can be read against it.</summary>
public sealed class PromptCategoryVersion
{
    public int Id { get; set; }
    public int CategoryId { get; set; }
    public int Version { get; set; }
    public string SystemPrompt { get; set; } = "";
    public string ExamplesJson { get; set; } = "[]";
    /// <summary>"seed" or "admin".</summary>
    public string Source { get; set; } = "seed";
    public DateTime CreatedAt { get; set; }
}

public sealed class PromptCategory
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public string Description { get; set; } = "";
    public bool IsActive { get; set; } = true;
    public int SortOrder { get; set; }
    /// <summary>table, text or chart: what kind of answer the category produces.</summary>
    public string ResultKind { get; set; } = "text";
    public string SystemPrompt { get; set; } = "";
    /// <summary>JSON array of worked examples sent to the model before the user's request.</summary>
    public string ExamplesJson { get; set; } = "[]";
    /// <summary>JSON array of lower-case keyword stems that pull requests to the category in the offline classifier.</summary>
    public string KeywordsJson { get; set; } = "[]";
    public int Version { get; set; } = 1;
    /// <summary>Set when an admin changed the row: seeding at start then leaves it alone.</summary>
    public bool IsCustomized { get; set; }
    public DateTime UpdatedAt { get; set; }

    public List<PresetPrompt> Presets { get; set; } = [];
}

public sealed class PresetPrompt
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public int CategoryId { get; set; }
    public PromptCategory? Category { get; set; }
    public string Title { get; set; } = "";
    public string PromptText { get; set; } = "";
    public int SortOrder { get; set; }
    public bool IsActive { get; set; } = true;
    public bool IsCustomized { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>
/// A running instance with the in-process queue, known by its heartbeat. While it is alive, its
/// accepted requests are its own; once its heartbeat lapses (or it stops and deletes its row),
/// every instance's recovery sweep takes them up.
/// </summary>
public sealed class ServiceInstance
{
    /// <summary>New at every start: a restarted process is another instance.</summary>
    public Guid Id { get; set; }
    public DateTime StartedAt { get; set; }
    /// <summary>Set by each heartbeat; past it the instance counts as dead.</summary>
    public DateTime AliveUntil { get; set; }
}

/// <summary>
/// One GigaChat call granted under <c>GIGACHAT_MAX_REQUESTS_PER_MINUTE</c>. Shared by every
/// instance through the database; rows older than the window are deleted as new ones are granted.
/// </summary>
public sealed class GigaChatQuotaGrant
{
    public long Id { get; set; }
    /// <summary>Unix milliseconds: plain numbers compare alike on SQLite and PostgreSQL.</summary>
    public long GrantedAtMs { get; set; }
}

/// <summary>
/// A client's API key. Only its SHA-256 is stored: the key has 256 random bits, so a fast hash
/// is as safe as a password hash here and allows a direct lookup.
/// </summary>
public sealed class ClientKey
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    /// <summary>The key's first characters, so an admin can tell keys apart in a list; not enough to use it.</summary>
    public string Prefix { get; set; } = "";
    /// <summary>Lower-case hex SHA-256 of the whole key.</summary>
    public string KeyHash { get; set; } = "";
    public int RequestsPerMinute { get; set; }
    /// <summary>Tokens the key may spend per UTC day; 0 means no budget.</summary>
    public long DailyTokenBudget { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}
