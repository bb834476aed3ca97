using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;

namespace GigaOffice.Queue.Kafka;

/// <summary>The wire format of the three topics. Every message is keyed by the request id.</summary>
public static class KafkaMessages
{
    public const string ReasonHeader = "dead-letter-reason";
    public const string DetailHeader = "dead-letter-detail";

    private sealed record RequestNotice(Guid RequestId, DateTime CreatedAt);

    /// <summary>Requests topic: only the id (the row holds the request; the message is a notice).</summary>
    public static Message<string, string> Request(Guid id, DateTime createdAt) => new()
    {
        Key = id.ToString(),
        Value = JsonSerializer.Serialize(new RequestNotice(id, createdAt), GigaChat.GigaOfficeJson.Options),
    };

    public static bool TryParseRequest(Message<string, string> message, out Guid id, out string problem)
    {
        id = Guid.Empty;
        try
        {
            var notice = JsonSerializer.Deserialize<RequestNotice>(message.Value ?? "", GigaChat.GigaOfficeJson.Options);
            if (notice is null || notice.RequestId == Guid.Empty)
            {
                problem = "no request_id in the message";
                return false;
            }
            id = notice.RequestId;
            problem = "";
            return true;
        }
        catch (JsonException ex)
        {
            problem = "not a request notice: " + ex.Message;
            return false;
        }
    }

    /// <summary>Responses topic: the same document as GET /api/ai/result.</summary>
    public static Message<string, string> Response(Requests.RequestResultResponse result) => new()
    {
        Key = result.RequestId.ToString(),
        Value = JsonSerializer.Serialize(result, GigaChat.GigaOfficeJson.Options),
    };

    /// <summary>The original message, unchanged, with why and where from in its headers.</summary>
    public static Message<string, string> DeadLetter(ConsumeResult<string, string> source, string reason, string detail)
    {
        var headers = new Headers();
        foreach (var header in source.Message.Headers ?? []) headers.Add(header.Key, header.GetValueBytes());
        Add(headers, ReasonHeader, reason);
        Add(headers, DetailHeader, detail);
        Add(headers, "dead-letter-source", $"{source.Topic}/{source.Partition.Value}/{source.Offset.Value}");
        Add(headers, "dead-letter-at", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        return new Message<string, string> { Key = source.Message.Key, Value = source.Message.Value, Headers = headers };
    }

    private static void Add(Headers headers, string key, string value) => headers.Add(key, Encoding.UTF8.GetBytes(value));
}
