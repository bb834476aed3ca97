using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Sqlite.Storage.Internal;
using Microsoft.EntityFrameworkCore.Storage;

#pragma warning disable EF1001 // EF's own SQLite connection, subclassed for one method: see below.

namespace GigaOffice.Data;

/// <summary>
/// EF's SQLite connection without the functions EF adds to every connection (regexp and the
/// decimal helpers ef_add, ef_compare, ...). Microsoft.Data.Sqlite registers those again on every
/// open of a pooled connection and unregisters them on every close, and each unregistering leaves
/// a finalizable SafeHandle behind: 2,900 finalizations a second at ~100 queries a second, and a
/// gen0 collection that had to trace them took 2.3-2.9 ms instead of 1.3-2.0 (docs/BENCHMARKS.md).
/// The model has no decimal columns and no query uses Regex, so nothing calls them; a query that
/// did would fail in the tests with "no such function".
/// </summary>
public sealed class SqliteFunctionlessConnection(
    RelationalConnectionDependencies dependencies,
    IRawSqlCommandBuilder rawSqlCommandBuilder,
    IDiagnosticsLogger<DbLoggerCategory.Infrastructure> logger)
    : SqliteRelationalConnection(dependencies, rawSqlCommandBuilder, logger)
{
    protected override DbConnection CreateDbConnection() => new SqliteConnection(GetValidatedConnectionString());
}

public static class SqliteFunctionlessConnectionExtensions
{
    /// <summary>EF opens <see cref="SqliteFunctionlessConnection"/>s for this context.</summary>
    public static DbContextOptionsBuilder WithoutSqliteFunctions(this DbContextOptionsBuilder options) =>
        options.ReplaceService<ISqliteRelationalConnection, SqliteFunctionlessConnection>();
}
