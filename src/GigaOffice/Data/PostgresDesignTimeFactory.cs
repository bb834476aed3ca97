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

public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresGigaOfficeDbContext>
{
    public PostgresGigaOfficeDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresGigaOfficeDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}
