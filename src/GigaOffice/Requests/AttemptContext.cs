using System.Diagnostics;
using GigaOffice.Data;
using GigaOffice.GigaChat;

namespace GigaOffice.Requests;

/// <summary>One attempt at a request, as <see cref="RequestProcessor"/>'s steps share it.</summary>
internal sealed class AttemptContext(AiRequest request, RequestClaim claim, QuotaSlot slot)
{
    public AiRequest Request { get; } = request;
    public RequestClaim Claim { get; } = claim;
    /// <summary>The quota slot taken for the model's call (none for an answer from the cache).</summary>
    public QuotaSlot Slot { get; } = slot;
    public long Started { get; } = Stopwatch.GetTimestamp();

    public Guid Id => Request.Id;
    public int Number => Claim.Attempt;

    /// <summary>The model's call, once started (before the claim holds, where only this worker reads the request).</summary>
    public ModelCall? Call { get; set; }

    /// <summary>From the start of the attempt.</summary>
    public double ElapsedMs => Stopwatch.GetElapsedTime(Started).TotalMilliseconds;
}
