namespace GigaOffice.Data;

/// <summary>
/// One attempt's claim of a request: taken from the row as read (<paramref name="SeenAttempts"/>),
/// recognisable afterwards by its exact times, so they are whole microseconds as PostgreSQL stores them.
/// </summary>
public sealed record RequestClaim(Guid Id, int SeenAttempts, DateTime StartedAt, DateTime LeaseUntil)
{
    /// <summary>The attempt this claim starts.</summary>
    public int Attempt => SeenAttempts + 1;

    public static RequestClaim For(AiRequest request, DateTime now, TimeSpan lease)
    {
        var started = new DateTime(now.Ticks - now.Ticks % 10, DateTimeKind.Utc);
        return new RequestClaim(request.Id, request.Attempts, started, started + lease);
    }
}
