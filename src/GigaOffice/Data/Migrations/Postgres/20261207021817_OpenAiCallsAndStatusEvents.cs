using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GigaOffice.Data.Migrations.Postgres
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    ClientKeyId = table.Column<Guid>(type: "uuid", nullable: true),
                    Model = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Stream = table.Column<bool>(type: "boolean", nullable: false),
                    StatusCode = table.Column<int>(type: "integer", nullable: false),
                    ErrorCode = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    PromptTokens = table.Column<int>(type: "integer", nullable: false),
                    CompletionTokens = table.Column<int>(type: "integer", nullable: false),
                    TotalTokens = table.Column<int>(type: "integer", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    DurationMs = table.Column<double>(type: "double precision", nullable: false),
                    RequestJson = table.Column<string>(type: "text", nullable: true),
                    ResponseText = table.Column<string>(type: "text", nullable: true)
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

            // Every status change, by any instance or path, wakes the event streams of every instance
            // (Requests/Events: RequestStatusListener LISTENs on this channel; the payload is the request id).
            migrationBuilder.Sql("""
                CREATE FUNCTION gigaoffice_notify_request_status() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('gigaoffice_request_status', NEW."Id"::text);
                    RETURN NULL;
                END $$;
                CREATE TRIGGER ai_requests_status_notify AFTER UPDATE OF "Status" ON ai_requests
                    FOR EACH ROW WHEN (OLD."Status" IS DISTINCT FROM NEW."Status")
                    EXECUTE FUNCTION gigaoffice_notify_request_status();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "openai_calls");
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS ai_requests_status_notify ON ai_requests;
                DROP FUNCTION IF EXISTS gigaoffice_notify_request_status();
                """);
        }
    }
}
