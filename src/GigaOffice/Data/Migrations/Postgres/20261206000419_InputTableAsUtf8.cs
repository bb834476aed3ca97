using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GigaOffice.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class InputTableAsUtf8 : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // convert_to gives the text's UTF-8 whatever the database's own encoding.
            // Rewrites ai_requests once, under a lock: retention keeps that table bounded.
            migrationBuilder.Sql("""ALTER TABLE ai_requests ALTER COLUMN "InputDataJson" TYPE bytea USING convert_to("InputDataJson", 'UTF8');""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""ALTER TABLE ai_requests ALTER COLUMN "InputDataJson" TYPE text USING convert_from("InputDataJson", 'UTF8');""");
        }
    }
}
