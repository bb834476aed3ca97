using GigaOffice.Data;
using Microsoft.EntityFrameworkCore;

namespace GigaOffice.Tests.Data;

/// <summary>
/// The migrations of each backend describe the whole model: a column added to an entity without its
/// migration (easy when several branches add migrations at once) would fail here, not on a server.
/// </summary>
public sealed class MigrationsTests
{
    [Fact]
    public void Sqlite_migrations_match_the_model()
    {
        var options = new DbContextOptionsBuilder<SqliteGigaOfficeDbContext>().UseSqlite("Data Source=:memory:").Options;
        using var db = new SqliteGigaOfficeDbContext(options);
        Assert.False(db.Database.HasPendingModelChanges(), "the SQLite model has changes no migration holds: run scripts/add-migration.sh");
    }

    [Fact]
    public void Postgres_migrations_match_the_model()
    {
        // No server is contacted: the model is compared with the migrations' snapshot.
        var options = new DbContextOptionsBuilder<PostgresGigaOfficeDbContext>().UseNpgsql("Host=127.0.0.1;Database=none").Options;
        using var db = new PostgresGigaOfficeDbContext(options);
        Assert.False(db.Database.HasPendingModelChanges(), "the PostgreSQL model has changes no migration holds: run scripts/add-migration.sh");
    }
}
