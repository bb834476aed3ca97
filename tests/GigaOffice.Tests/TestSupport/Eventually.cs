namespace GigaOffice.Tests.TestSupport;

public static class Eventually
{
    /// <summary>Reads until <paramref name="done"/> holds; fails with the last value read when it never does.</summary>
    public static async Task<T> WaitAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, Func<T, string>? describe = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Condition not met within {timeout.TotalSeconds:0} s; last value: {(describe is null ? value : describe(value))}");
            await Task.Delay(200);
        }
    }
}
