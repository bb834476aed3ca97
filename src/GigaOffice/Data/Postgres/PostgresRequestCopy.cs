using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace GigaOffice.Data.Postgres;

/// <summary>
/// PostgreSQL's binary COPY for a batch of new requests: one statement, committed on its own, and
/// several times cheaper in CPU than EF's batched INSERT with a parameter per column (the accepting
/// path's largest cost on PostgreSQL, docs/benchmarks-history.md). Columns come from the EF model, so a new
/// property is copied without a change here.
/// </summary>
internal static class PostgresRequestCopy
{
    private sealed record Column(string Name, PropertyInfo Property, Func<object?, object?>? Convert, NpgsqlDbType Type);

    private static Column[]? _columns;

    public static async Task WriteAsync(GigaOfficeDbContext db, IEnumerable<AiRequest> requests, CancellationToken ct)
    {
        var columns = _columns ??= ColumnsOf(db);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var command = $"COPY ai_requests ({string.Join(", ", columns.Select(c => $"\"{c.Name}\""))}) FROM STDIN (FORMAT BINARY)";
            await using var importer = await connection.BeginBinaryImportAsync(command, ct);
            foreach (var request in requests)
            {
                await importer.StartRowAsync(ct);
                foreach (var column in columns)
                {
                    var value = column.Property.GetValue(request);
                    if (column.Convert is not null) value = column.Convert(value);
                    if (value is not null) await importer.WriteAsync(value, column.Type, ct);
                    else await importer.WriteNullAsync(ct);
                }
            }
            await importer.CompleteAsync(ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static Column[] ColumnsOf(GigaOfficeDbContext db)
    {
        var entity = db.Model.FindEntityType(typeof(AiRequest))!;
        // The model's converters (UTC for times) apply as they would to an INSERT.
        return entity.GetProperties().Select(p => new Column(p.GetColumnName(), p.PropertyInfo!, p.GetValueConverter()?.ConvertToProvider,
            (Nullable.GetUnderlyingType(p.ClrType) ?? p.ClrType) switch
            {
                var t when t == typeof(string) => NpgsqlDbType.Text,
                var t when t == typeof(Guid) => NpgsqlDbType.Uuid,
                var t when t == typeof(bool) => NpgsqlDbType.Boolean,
                var t when t == typeof(int) => NpgsqlDbType.Integer,
                var t when t == typeof(long) => NpgsqlDbType.Bigint,
                var t when t == typeof(double) => NpgsqlDbType.Double,
                var t when t == typeof(DateTime) => NpgsqlDbType.TimestampTz,
                var t when t == typeof(byte[]) => NpgsqlDbType.Bytea,
                var t => throw new NotSupportedException($"ai_requests.{p.Name}: no COPY type for {t}"),
            })).ToArray();
    }
}
