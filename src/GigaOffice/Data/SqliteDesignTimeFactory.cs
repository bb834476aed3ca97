using GigaOffice.Configuration;
using GigaOffice.Prompts;
using GigaOffice.Data.Postgres;
using GigaOffice.Data.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace GigaOffice.Data;

/// <summary>For <c>dotnet ef migrations add</c>: one factory per provider.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteGigaOfficeDbContext>
{
    public SqliteGigaOfficeDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteGigaOfficeDbContext>().UseSqlite("Data Source=design.db").Options);
}
