using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace GigaOffice.Data;

public static class DatabaseErrors
{
    /// <summary>
    /// The database could not be reached or is restarting (as opposed to a bug or bad data): the
    /// operation may succeed later, and a client should hear 503, not 500.
    /// </summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is RetryLimitExceededException or NpgsqlException { IsTransient: true }) return true;
            // SQLITE_BUSY / SQLITE_LOCKED: another writer held the file past the timeout.
            if (e is SqliteException { SqliteErrorCode: 5 or 6 }) return true;
        }
        return false;
    }

    /// <summary>A row with the same key exists: another writer (often another instance) got there first.</summary>
    public static bool IsUniqueViolation(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }) return true;
            // SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY
            if (e is SqliteException { SqliteExtendedErrorCode: 2067 or 1555 }) return true;
        }
        return false;
    }
}
