using Microsoft.Data.Sqlite;

namespace GigaOffice.Tests.Requests;

/// <summary>Group commit: concurrent accepts share transactions, yet each 202 means its own row is committed.</summary>
public sealed class AcceptBatchingTests(TestAppFixture app) : IClassFixture<TestAppFixture>
{
    [Fact]
    public async Task Every_concurrently_accepted_request_is_committed_and_finished()
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => app.Client.SubmitAsync(new { query_text = $"сумма {i}", category = "analysis", input_data = new object[][] { ["a", i] } })));

        Assert.Equal(200, ids.Distinct().Count());
        // Read the file directly: the rows are there, not only in some cache of the service.
        await using var connection = new SqliteConnection($"Data Source={app.App.DatabasePath};Mode=ReadOnly");
        await connection.OpenAsync();
        var command = connection.CreateCommand();
        command.CommandText = "SELECT Id FROM ai_requests";
        var stored = new HashSet<Guid>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) stored.Add(reader.GetGuid(0));
        Assert.All(ids, id => Assert.Contains(id, stored));

        foreach (var id in ids)
            Assert.Equal("completed", (await app.Client.WaitFinishedAsync(id)).GetProperty("status").GetString());
    }
}
