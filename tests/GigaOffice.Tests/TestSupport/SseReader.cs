using System.Text;

namespace GigaOffice.Tests.TestSupport;

internal sealed record SseEvent(string? Id, string Event, string Data);

/// <summary>Reads a text/event-stream to its end: events and comment lines, in order.</summary>
internal static class SseReader
{
    public static async Task<(List<SseEvent> Events, List<string> Comments)> ReadToEndAsync(HttpResponseMessage response, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await using var body = await response.Content.ReadAsStreamAsync(cancel.Token);
        using var reader = new StreamReader(body, Encoding.UTF8);
        var events = new List<SseEvent>();
        var comments = new List<string>();
        string? id = null, name = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cancel.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (name is not null || data.Length > 0) events.Add(new SseEvent(id, name ?? "message", data.ToString()));
                (id, name) = (null, null);
                data.Clear();
            }
            else if (line.StartsWith(':')) comments.Add(line[1..].Trim());
            else if (line.StartsWith("id: ")) id = line[4..];
            else if (line.StartsWith("event: ")) name = line[7..];
            else if (line.StartsWith("data: ")) data.Append(line[6..]);
        }
        return (events, comments);
    }
}
