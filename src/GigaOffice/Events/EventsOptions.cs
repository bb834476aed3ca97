using System.ComponentModel.DataAnnotations;

namespace GigaOffice.Events;

public sealed class EventsOptions
{
    public const string Section = "Events";

    /// <summary>A comment line this often keeps proxies from closing a quiet stream.</summary>
    [Range(1, 300, ErrorMessage = "EVENTS_HEARTBEAT_SECONDS must be between 1 and 300.")]
    public int HeartbeatSeconds { get; set; } = 15;

    /// <summary>A stream ends after this long; the client reconnects with Last-Event-ID.</summary>
    [Range(5, 86400, ErrorMessage = "EVENTS_MAX_DURATION_SECONDS must be between 5 and 86400.")]
    public int MaxDurationSeconds { get; set; } = 600;

    /// <summary>Even without a wake-up a stream reads its status this often: a missed notification costs at most this.</summary>
    [Range(1, 3600, ErrorMessage = "EVENTS_RECHECK_SECONDS must be between 1 and 3600.")]
    public int RecheckSeconds { get; set; } = 5;

    /// <summary>SQLite only (one instance): how often the statuses of watched requests are read.</summary>
    [Range(20, 5000, ErrorMessage = "EVENTS_POLL_MS must be between 20 and 5000.")]
    public int PollMilliseconds { get; set; } = 100;
}
