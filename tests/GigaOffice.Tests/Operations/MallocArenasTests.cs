using System.Globalization;
using GigaOffice.Infrastructure;
using GigaOffice.Testing;
using GigaOffice.Tests.Infrastructure;

namespace GigaOffice.Tests.Operations;

/// <summary>The limit on glibc's malloc arenas that keeps native memory flat (change 34).</summary>
public sealed class MallocArenasTests
{
    [Fact]
    public async Task The_service_process_shares_few_malloc_arenas_unless_an_admin_sets_MALLOC_ARENA_MAX()
    {
        // The arenas a process has are its heaps in /proc/PID/maps. Without a limit, glibc gives
        // nearly every new thread its own, up to eight per core; an admin's MALLOC_ARENA_MAX stands
        // for that here. The service's limit comes after the runtime's own start-up threads, which
        // keep theirs (six on these machines), but no thread started later adds one.
        var limited = await HeapsUnderLoadAsync(adminSetting: "");
        var admins = await HeapsUnderLoadAsync(adminSetting: "64");
        Assert.True(limited <= 8, $"heaps with the service's limit: {limited}, with MALLOC_ARENA_MAX=64: {admins}");
        Assert.True(admins > limited, $"heaps with MALLOC_ARENA_MAX=64: {admins}, with the service's limit: {limited}");
    }

    [Fact]
    public async Task The_READMEs_dotnet_run_limits_the_arenas_from_the_start()
    {
        // The launch profile sets MALLOC_ARENA_MAX before the process starts, so the runtime's
        // start-up threads share the arenas too: the one beside the main arena, as in deploy/.
        await using var service = ServiceProcess.StartWithDotnetRun("arenas-dotnet-run", new Dictionary<string, string?>
        {
            ["Database:SqlitePath"] = TempPaths.NewDatabase(),
        });
        var heaps = await HeapsUnderLoadAsync(service);
        var pid = service.FindServicePid();
        Assert.NotEqual(service.Id, pid);
        Assert.Contains("MALLOC_ARENA_MAX=2", File.ReadAllText($"/proc/{pid}/environ").Split('\0'));
        Assert.True(heaps <= 1, $"heaps of the service under dotnet run: {heaps}");
    }

    [Fact]
    public void An_admins_MALLOC_ARENA_MAX_is_left_to_glibc()
    {
        Assert.Equal(MallocArenaLimit.LeftToEnvironment, MallocArenas.Apply(fromEnvironment: "8"));
    }

    private static async Task<int> HeapsUnderLoadAsync(string adminSetting)
    {
        await using var service = ServiceProcess.Start($"arenas{adminSetting}", new Dictionary<string, string?>
        {
            ["Database:SqlitePath"] = TempPaths.NewDatabase(),
            [MallocArenas.Variable] = adminSetting, // empty counts as unset, for glibc and the service
        });
        return await HeapsUnderLoadAsync(service);
    }

    private static async Task<int> HeapsUnderLoadAsync(ServiceProcess service)
    {
        await service.WaitReadyAsync(TimeSpan.FromSeconds(120));
        // Requests at once: SQLite's calls hold pool threads, so the pool starts threads of its own.
        await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
            await service.Client.SubmitAsync(new { query_text = $"Сумма по строкам, запрос {i}", category = "analysis", input_data = new object[][] { ["a", i, 2] } }));
        return MallocHeaps(service.FindServicePid());
    }

    /// <summary>
    /// Heaps of arenas other than the main one: each is mapped at a 64 MiB boundary, its used part
    /// read-write and the rest of the 64 MiB reserved behind it (as bench/malloc_arenas.py counts).
    /// </summary>
    private static int MallocHeaps(int pid)
    {
        const long heapSize = 64L << 20;
        var maps = File.ReadAllLines($"/proc/{pid}/maps").Select(line =>
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var range = parts[0].Split('-');
            return (Start: long.Parse(range[0], NumberStyles.HexNumber), End: long.Parse(range[1], NumberStyles.HexNumber),
                Perms: parts[1], Name: parts.Length > 5 ? parts[5] : "");
        }).ToList();
        return maps.Where((m, i) => m is { Perms: "rw-p", Name: "" } && m.Start % heapSize == 0
            && (m.End - m.Start == heapSize || (i + 1 < maps.Count && maps[i + 1] is { Perms: "---p", Name: "" } rest
                && rest.Start == m.End && rest.End == m.Start + heapSize))).Count();
    }
}
