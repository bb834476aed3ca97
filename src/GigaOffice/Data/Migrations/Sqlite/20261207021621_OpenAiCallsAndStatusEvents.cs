using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GigaOffice.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class OpenAiCallsAndStatusEvents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "openai_calls",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ClientKeyId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Model = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Stream = table.Column<bool>(type: "INTEGER", nullable: false),
                    StatusCode = table.Column<int>(type: "INTEGER", nullable: false),
                    ErrorCode = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    PromptTokens = table.Column<int>(type: "INTEGER", nullable: false),
                    CompletionTokens = table.Column<int>(type: "INTEGER", nullable: false),
                    TotalTokens = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    DurationMs = table.Column<double>(type: "REAL", nullable: false),
                    RequestJson = table.Column<string>(type: "TEXT", nullable: true),
                    ResponseText = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_openai_calls", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_openai_calls_ClientKeyId_CreatedAt",
                table: "openai_calls",
                columns: new[] { "ClientKeyId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_openai_calls_CreatedAt",
                table: "openai_calls",
                column: "CreatedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "openai_calls");
        }
    }
}
