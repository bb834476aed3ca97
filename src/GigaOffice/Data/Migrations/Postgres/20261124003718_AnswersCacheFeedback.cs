using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace GigaOffice.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AnswersCacheFeedback : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "CacheKey",
                table: "ai_requests",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "CachedFromId",
                table: "ai_requests",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ClassificationTokens",
                table: "ai_requests",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "ClassifiedBy",
                table: "ai_requests",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "InputStylesJson",
                table: "ai_requests",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TableInfoJson",
                table: "ai_requests",
                type: "text",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "prompt_category_versions",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    CategoryId = table.Column<int>(type: "integer", nullable: false),
                    Version = table.Column<int>(type: "integer", nullable: false),
                    SystemPrompt = table.Column<string>(type: "text", nullable: false),
                    ExamplesJson = table.Column<string>(type: "text", nullable: false),
                    Source = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_prompt_category_versions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "request_feedback",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    RequestId = table.Column<Guid>(type: "uuid", nullable: false),
                    Rating = table.Column<int>(type: "integer", nullable: false),
                    Comment = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    Category = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    PromptVersion = table.Column<int>(type: "integer", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_request_feedback", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ai_requests_CacheKey",
                table: "ai_requests",
                column: "CacheKey");

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
                name: "prompt_category_versions");

            migrationBuilder.DropTable(
                name: "request_feedback");

            migrationBuilder.DropIndex(
                name: "IX_ai_requests_CacheKey",
                table: "ai_requests");

            migrationBuilder.DropColumn(
                name: "CacheKey",
                table: "ai_requests");

            migrationBuilder.DropColumn(
                name: "CachedFromId",
                table: "ai_requests");

            migrationBuilder.DropColumn(
                name: "ClassificationTokens",
                table: "ai_requests");

            migrationBuilder.DropColumn(
                name: "ClassifiedBy",
                table: "ai_requests");

            migrationBuilder.DropColumn(
                name: "InputStylesJson",
                table: "ai_requests");

            migrationBuilder.DropColumn(
                name: "TableInfoJson",
                table: "ai_requests");
        }
    }
}
