using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GigaOffice.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ClientKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "ClientKeyId",
                table: "ai_requests",
                type: "TEXT",
                nullable: true);

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

            migrationBuilder.CreateIndex(
                name: "IX_ai_requests_ClientKeyId_CreatedAt",
                table: "ai_requests",
                columns: new[] { "ClientKeyId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_client_keys_KeyHash",
                table: "client_keys",
                column: "KeyHash",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "client_keys");

            migrationBuilder.DropIndex(
                name: "IX_ai_requests_ClientKeyId_CreatedAt",
                table: "ai_requests");

            migrationBuilder.DropColumn(
                name: "ClientKeyId",
                table: "ai_requests");
        }
    }
}
