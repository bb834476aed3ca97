using System.Reflection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace GigaOffice.Data.Sqlite;

/// <summary>
/// SQLite: one connection and one prepared INSERT, kept open by the single writer loop, and one
/// transaction per batch. Parameters come from EF's type mappings for the model's columns, so the
/// rows are stored exactly as SaveChanges would store them (GUIDs and times as EF reads them back).
/// </summary>
internal sealed class SqliteRequestInsert : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly (PropertyInfo Property, RelationalTypeMapping Mapping, string Name)[] _columns;

    private SqliteRequestInsert(SqliteConnection connection, SqliteCommand insert, (PropertyInfo, RelationalTypeMapping, string)[] columns)
    {
        _connection = connection;
        _insert = insert;
        _columns = columns;
    }

    public static SqliteRequestInsert Open(GigaOfficeDbContext db)
    {
        var entity = db.Model.FindEntityType(typeof(AiRequest))!;
        var columns = entity.GetProperties()
            .Select((p, i) => (p.PropertyInfo!, (RelationalTypeMapping)p.GetRelationalTypeMapping(), $"$p{i}")).ToArray();
        var connection = new SqliteConnection(db.Database.GetConnectionString());
        try
        {
            connection.Open();
            // The settings of every connection, except that a 202 is a promise: these commits wait for the disk.
            SqliteConnectionSetup.Configure(connection, SqliteConnectionSetup.FullSync);
            var insert = connection.CreateCommand();
            insert.CommandText = $"INSERT INTO \"{entity.GetTableName()}\" ({string.Join(", ", entity.GetProperties().Select(p => $"\"{p.GetColumnName()}\""))}) " +
                                 $"VALUES ({string.Join(", ", columns.Select(c => c.Item3))})";
            return new SqliteRequestInsert(connection, insert, columns);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public void Write(IEnumerable<AiRequest> requests)
    {
        using var transaction = _connection.BeginTransaction();
        _insert.Transaction = transaction;
        foreach (var request in requests)
        {
            _insert.Parameters.Clear();
            foreach (var (property, mapping, name) in _columns)
                _insert.Parameters.Add(mapping.CreateParameter(_insert, name, property.GetValue(request)));
            _insert.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    public void Dispose()
    {
        _insert.Dispose();
        _connection.Dispose();
    }
}
