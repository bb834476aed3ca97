using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GigaOffice.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Outbox : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "PublishedAt",
                table: "ai_requests",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_ai_requests_unpublished",
                table: "ai_requests",
                column: "CreatedAt",
                filter: "\"PublishedAt\" IS NULL AND \"Status\" IN ('queued', 'processing')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ai_requests_unpublished",
                table: "ai_requests");

            migrationBuilder.DropColumn(
                name: "PublishedAt",
                table: "ai_requests");
        }
    }
}
