using System.Runtime.InteropServices;

namespace GigaOffice.Infrastructure;

/// <summary>
/// glibc gives nearly every new thread a malloc arena of its own, up to eight per core, and memory
/// freed inside an arena seldom goes back to the system. The native code here allocates from many
/// threads (librdkafka's, the pool threads that run SQLite), so the process grew by 10–15 MB over
/// ten minutes while the GC heap stayed flat (docs/BENCHMARKS.md, change 34). Limited from the first
/// line of Main, threads started later share the arenas that exist by then (the runtime's start-up
/// threads made about six); MALLOC_ARENA_MAX in the environment limits those too, and an admin's
/// value, which glibc reads itself, is left alone.
/// </summary>
public static partial class MallocArenas
{
    public const int Limit = 2;

    public const string Variable = "MALLOC_ARENA_MAX";

    private const int ArenaMaxOption = -8; // M_ARENA_MAX in glibc's malloc.h

    public static MallocArenaLimit Apply() => Apply(Environment.GetEnvironmentVariable(Variable));

    public static MallocArenaLimit Apply(string? fromEnvironment)
    {
        if (!OperatingSystem.IsLinux()) return MallocArenaLimit.NotGlibc;
        if (!string.IsNullOrWhiteSpace(fromEnvironment)) return MallocArenaLimit.LeftToEnvironment;
        try
        {
            return mallopt(ArenaMaxOption, Limit) == 1 ? MallocArenaLimit.Limited : MallocArenaLimit.NotGlibc;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return MallocArenaLimit.NotGlibc; // another C library (musl): it has no per-thread arenas to limit
        }
    }

    [LibraryImport("libc")]
    private static partial int mallopt(int param, int value);
}

public enum MallocArenaLimit
{
    /// <summary>glibc took the limit of <see cref="MallocArenas.Limit"/> arenas.</summary>
    Limited,
    /// <summary>MALLOC_ARENA_MAX is set: glibc applied the admin's value.</summary>
    LeftToEnvironment,
    /// <summary>Not Linux with glibc, or glibc refused the option.</summary>
    NotGlibc,
}
