using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GigaOffice.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ai_requests",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    QueryText = table.Column<string>(type: "TEXT", nullable: false),
                    InputRange = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Category = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CategoryClassified = table.Column<bool>(type: "INTEGER", nullable: false),
                    InputDataJson = table.Column<string>(type: "TEXT", nullable: true),
                    CorrelationId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ClientKeyId = table.Column<Guid>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    StartedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    CompletedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LeaseUntil = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    PublishedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ResultJson = table.Column<string>(type: "TEXT", nullable: true),
                    RawAnswer = table.Column<string>(type: "TEXT", nullable: true),
                    ErrorCode = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ErrorMessage = table.Column<string>(type: "TEXT", nullable: true),
                    Model = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    PromptVersion = table.Column<int>(type: "INTEGER", nullable: true),
                    PromptTokens = table.Column<int>(type: "INTEGER", nullable: false),
                    CompletionTokens = table.Column<int>(type: "INTEGER", nullable: false),
                    TotalTokens = table.Column<int>(type: "INTEGER", nullable: false),
                    ProcessingMs = table.Column<double>(type: "REAL", nullable: true),
                    GigaChatMs = table.Column<double>(type: "REAL", nullable: true),
                    CacheKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    CachedFromId = table.Column<Guid>(type: "TEXT", nullable: true),
                    TableInfoJson = table.Column<string>(type: "TEXT", nullable: true),
                    InputStylesJson = table.Column<string>(type: "TEXT", nullable: true),
                    ClassifiedBy = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    ClassificationTokens = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ai_requests", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "client_keys",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Prefix = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    KeyHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    RequestsPerMinute = table.Column<int>(type: "INTEGER", nullable: false),
                    DailyTokenBudget = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    RevokedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_client_keys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "gigachat_quota_grants",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    GrantedAtMs = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_gigachat_quota_grants", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "prompt_categories",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    DisplayName = table.Column<string>(type: "TEXT", nullable: false),
                    Description = table.Column<string>(type: "TEXT", nullable: false),
                    IsActive = table.Column<bool>(type: "INTEGER", nullable: false),
                    SortOrder = table.Column<int>(type: "INTEGER", nullable: false),
                    ResultKind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    SystemPrompt = table.Column<string>(type: "TEXT", nullable: false),
                    ExamplesJson = table.Column<string>(type: "TEXT", nullable: false),
                    KeywordsJson = table.Column<string>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    IsCustomized = table.Column<bool>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_prompt_categories", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "prompt_category_versions",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    CategoryId = table.Column<int>(type: "INTEGER", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    SystemPrompt = table.Column<string>(type: "TEXT", nullable: false),
                    ExamplesJson = table.Column<string>(type: "TEXT", nullable: false),
                    Source = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_prompt_category_versions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "request_feedback",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RequestId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Rating = table.Column<int>(type: "INTEGER", nullable: false),
                    Comment = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    Category = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    PromptVersion = table.Column<int>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_request_feedback", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "preset_prompts",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    CategoryId = table.Column<int>(type: "INTEGER", nullable: false),
                    Title = table.Column<string>(type: "TEXT", nullable: false),
                    PromptText = table.Column<string>(type: "TEXT", nullable: false),
                    SortOrder = table.Column<int>(type: "INTEGER", nullable: false),
                    IsActive = table.Column<bool>(type: "INTEGER", nullable: false),
                    IsCustomized = table.Column<bool>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_preset_prompts", x => x.Id);
                    table.ForeignKey(
                        name: "FK_preset_prompts_prompt_categories_CategoryId",
                        column: x => x.CategoryId,
                        principalTable: "prompt_categories",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ai_requests_CacheKey",
                table: "ai_requests",
                column: "CacheKey");

            migrationBuilder.CreateIndex(
                name: "IX_ai_requests_ClientKeyId_CreatedAt",
                table: "ai_requests",
                columns: new[] { "ClientKeyId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_ai_requests_CreatedAt",
                table: "ai_requests",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_ai_requests_Status_CreatedAt",
                table: "ai_requests",
                columns: new[] { "Status", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_ai_requests_unpublished",
                table: "ai_requests",
                column: "CreatedAt",
                filter: "\"PublishedAt\" IS NULL AND \"Status\" IN ('queued', 'processing')");

            migrationBuilder.CreateIndex(
                name: "IX_client_keys_KeyHash",
                table: "client_keys",
                column: "KeyHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_gigachat_quota_grants_GrantedAtMs",
                table: "gigachat_quota_grants",
                column: "GrantedAtMs");

            migrationBuilder.CreateIndex(
                name: "IX_preset_prompts_CategoryId",
                table: "preset_prompts",
                column: "CategoryId");

            migrationBuilder.CreateIndex(
                name: "IX_preset_prompts_Name",
                table: "preset_prompts",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_prompt_categories_Name",
                table: "prompt_categories",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_prompt_category_versions_CategoryId_Version",
                table: "prompt_category_versions",
                columns: new[] { "CategoryId", "Version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_request_feedback_CreatedAt",
                table: "request_feedback",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_request_feedback_RequestId",
                table: "request_feedback",
                column: "RequestId",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ai_requests");

            migrationBuilder.DropTable(
                name: "client_keys");

            migrationBuilder.DropTable(
                name: "gigachat_quota_grants");

            migrationBuilder.DropTable(
                name: "preset_prompts");

            migrationBuilder.DropTable(
                name: "prompt_category_versions");

            migrationBuilder.DropTable(
                name: "request_feedback");

            migrationBuilder.DropTable(
                name: "prompt_categories");
        }
    }
}
