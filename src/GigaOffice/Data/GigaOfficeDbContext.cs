using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace GigaOffice.Data;

/// <summary>
/// The model shared by both databases. Each provider has its own subclass so that each keeps
/// its own migrations (SQLite and PostgreSQL DDL differ).
/// </summary>
public abstract class GigaOfficeDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<AiRequest> Requests => Set<AiRequest>();
    public DbSet<PromptCategory> Categories => Set<PromptCategory>();
    public DbSet<PresetPrompt> Presets => Set<PresetPrompt>();
    public DbSet<GigaChatQuotaGrant> QuotaGrants => Set<GigaChatQuotaGrant>();
    public DbSet<RequestFeedback> Feedback => Set<RequestFeedback>();
    public DbSet<PromptCategoryVersion> CategoryVersions => Set<PromptCategoryVersion>();
    public DbSet<ClientKey> ClientKeys => Set<ClientKey>();
    public DbSet<ServiceInstance> Instances => Set<ServiceInstance>();
    public DbSet<OpenAi.OpenAiCall> OpenAiCalls => Set<OpenAi.OpenAiCall>();

    /// <summary>All times are UTC; SQLite forgets the kind, so it is restored on read.</summary>
    protected override void ConfigureConventions(ModelConfigurationBuilder configuration)
    {
        configuration.Properties<DateTime>().HaveConversion<UtcConverter>();
        configuration.Properties<DateTime?>().HaveConversion<NullableUtcConverter>();
    }

    private sealed class UtcConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(), v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

    private sealed class NullableUtcConverter() : ValueConverter<DateTime?, DateTime?>(
        v => v == null ? v : v.Value.Kind == DateTimeKind.Utc ? v : v.Value.ToUniversalTime(),
        v => v == null ? v : DateTime.SpecifyKind(v.Value, DateTimeKind.Utc));

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<AiRequest>(e =>
        {
            e.ToTable("ai_requests");
            e.HasKey(r => r.Id);
            e.Property(r => r.Status).HasMaxLength(16);
            e.Property(r => r.Category).HasMaxLength(64);
            e.Property(r => r.InputRange).HasMaxLength(64);
            e.Property(r => r.ErrorCode).HasMaxLength(64);
            e.Property(r => r.Model).HasMaxLength(64);
            e.Property(r => r.CorrelationId).HasMaxLength(64);
            e.HasIndex(r => new { r.Status, r.CreatedAt });
            e.HasIndex(r => r.CreatedAt);
            // Per-client reads and the daily token budget look a client's requests up by time.
            e.HasIndex(r => new { r.ClientKeyId, r.CreatedAt });
            // The outbox relay's query: only the few rows still waiting for publication.
            e.HasIndex(r => r.CreatedAt, "IX_ai_requests_unpublished")
                .HasFilter("\"PublishedAt\" IS NULL AND \"Status\" IN ('queued', 'processing')");
            e.Property(r => r.CacheKey).HasMaxLength(64);
            e.Property(r => r.ClassifiedBy).HasMaxLength(16);
            // The result cache's lookup: key, then the newest completion. With only CacheKey indexed,
            // SQLite (no statistics) chose the (Status, CreatedAt) index and read every completed row
            // for each request processed: 35 ms per lookup at 38,000 rows, growing with the table.
            e.HasIndex(r => new { r.CacheKey, r.CompletedAt });
        });
        model.Entity<RequestFeedback>(e =>
        {
            e.ToTable("request_feedback");
            e.HasIndex(f => f.RequestId).IsUnique();
            e.HasIndex(f => f.CreatedAt);
            e.Property(f => f.Category).HasMaxLength(64);
            e.Property(f => f.Comment).HasMaxLength(RequestFeedback.MaxCommentLength);
        });
        model.Entity<PromptCategoryVersion>(e =>
        {
            e.ToTable("prompt_category_versions");
            e.HasIndex(v => new { v.CategoryId, v.Version }).IsUnique();
            e.Property(v => v.Source).HasMaxLength(16);
        });
        model.Entity<ClientKey>(e =>
        {
            e.ToTable("client_keys");
            e.Property(k => k.Name).HasMaxLength(100);
            e.Property(k => k.Prefix).HasMaxLength(16);
            e.Property(k => k.KeyHash).HasMaxLength(64);
            e.HasIndex(k => k.KeyHash).IsUnique();
        });
        model.Entity<PromptCategory>(e =>
        {
            e.ToTable("prompt_categories");
            e.HasIndex(c => c.Name).IsUnique();
            e.Property(c => c.Name).HasMaxLength(64);
            e.Property(c => c.ResultKind).HasMaxLength(16);
            e.HasMany(c => c.Presets).WithOne(p => p.Category).HasForeignKey(p => p.CategoryId);
        });
        model.Entity<PresetPrompt>(e =>
        {
            e.ToTable("preset_prompts");
            e.HasIndex(p => p.Name).IsUnique();
            e.Property(p => p.Name).HasMaxLength(128);
        });
        model.Entity<ServiceInstance>(e =>
        {
            e.ToTable("service_instances");
            e.Property(i => i.Id).ValueGeneratedNever();
        });
        model.Entity<OpenAi.OpenAiCall>(e =>
        {
            e.ToTable("openai_calls");
            e.Property(c => c.Model).HasMaxLength(128);
            e.Property(c => c.ErrorCode).HasMaxLength(64);
            // The daily token budget sums a key's calls of the day; the usage summary reads by time.
            e.HasIndex(c => new { c.ClientKeyId, c.CreatedAt });
            e.HasIndex(c => c.CreatedAt);
        });
        model.Entity<GigaChatQuotaGrant>(e =>
        {
            e.ToTable("gigachat_quota_grants");
            e.HasIndex(g => g.GrantedAtMs);
        });
    }
}

public sealed class SqliteGigaOfficeDbContext(DbContextOptions<SqliteGigaOfficeDbContext> options) : GigaOfficeDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder model)
    {
        base.OnModelCreating(model);
        // The column stays TEXT (no rebuild of the table): SQLite hands a TEXT value to a byte[]
        // reader as its UTF-8, so rows written before the table became bytes read the same.
        model.Entity<AiRequest>().Property(r => r.InputDataJson).HasColumnType("TEXT");
    }
}

public sealed class PostgresGigaOfficeDbContext(DbContextOptions<PostgresGigaOfficeDbContext> options) : GigaOfficeDbContext(options);
