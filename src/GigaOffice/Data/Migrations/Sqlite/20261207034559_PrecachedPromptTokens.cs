using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GigaOffice.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PrecachedPromptTokens : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "PrecachedPromptTokens",
                table: "ai_requests",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "PrecachedPromptTokens",
                table: "ai_requests");
        }
    }
}
