using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GigaOffice.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ClassificationSource : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "ClassificationConfidence",
                table: "ai_requests",
                type: "double precision",
                nullable: true);

            // The keyword classifier became the offline classifier (issue 32).
            migrationBuilder.Sql("UPDATE ai_requests SET \"ClassifiedBy\" = 'offline' WHERE \"ClassifiedBy\" = 'keyword';");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("UPDATE ai_requests SET \"ClassifiedBy\" = 'keyword' WHERE \"ClassifiedBy\" = 'offline';");
            migrationBuilder.Sql("UPDATE ai_requests SET \"ClassifiedBy\" = NULL WHERE \"ClassifiedBy\" = 'client';");

            migrationBuilder.DropColumn(
                name: "ClassificationConfidence",
                table: "ai_requests");
        }
    }
}
