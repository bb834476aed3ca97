using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GigaOffice.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CacheLookupIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ai_requests_CacheKey",
                table: "ai_requests");

            migrationBuilder.CreateIndex(
                name: "IX_ai_requests_CacheKey_CompletedAt",
                table: "ai_requests",
                columns: new[] { "CacheKey", "CompletedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ai_requests_CacheKey_CompletedAt",
                table: "ai_requests");

            migrationBuilder.CreateIndex(
                name: "IX_ai_requests_CacheKey",
                table: "ai_requests",
                column: "CacheKey");
        }
    }
}
