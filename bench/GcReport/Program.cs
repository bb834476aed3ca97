using System.Globalization;
using Microsoft.Diagnostics.Tracing;

// Reads a trace taken with `dotnet-trace collect --profile gc-verbose` and prints every GC of the
// service (when, which generation, how long the threads stood, which marking phase took the time),
// then a summary: pauses, objects finalized and the types allocated most.
if (args.Length is < 1 or > 2 || !File.Exists(args[0]))
{
    Console.Error.WriteLine("usage: GcReport <trace.nettrace> [--stacks]");
    return 2;
}
if (args is [_, "--stacks"]) return AllocationStacks.Print(args[0]);

var inv = CultureInfo.InvariantCulture;
using var source = new EventPipeEventSource(args[0]);
var pauses = new List<(int Generation, double Ms)>();
var phases = new Dictionary<string, double>();
var allocated = new Dictionary<string, long>();
long finalized = 0;
var finalizedTypes = new Dictionary<ulong, long>();
var typeNames = new Dictionary<ulong, string>();
double suspendStart = 0, gcStart = 0, lastMark = 0;
var generation = -1;
var reason = "";
var marks = new List<string>();

source.Clr.GCSuspendEEStart += e => suspendStart = e.TimeStampRelativeMSec;
source.Clr.GCStart += e => { gcStart = lastMark = e.TimeStampRelativeMSec; generation = e.Depth; reason = e.Reason.ToString(); marks.Clear(); };
source.Clr.GCMarkWithType += e =>
{
    var phase = MarkPhase((int)e.Type);
    var ms = e.TimeStampRelativeMSec - lastMark;
    lastMark = e.TimeStampRelativeMSec;
    phases[phase] = phases.GetValueOrDefault(phase) + ms;
    if (ms >= 0.05) marks.Add(string.Create(inv, $"{phase} {ms:F2}"));
};
source.Clr.GCRestartEEStop += e =>
{
    if (generation < 0) return;
    var pause = e.TimeStampRelativeMSec - suspendStart;
    pauses.Add((generation, pause));
    Console.WriteLine(string.Create(inv,
        $"{e.TimeStamp.ToUniversalTime():HH:mm:ss.fff} gen{generation} {reason,-11} pause {pause,6:F2} ms (collection {e.TimeStampRelativeMSec - gcStart,6:F2}; marking: {string.Join(", ", marks)})"));
    generation = -1;
};
source.Clr.GCFinalizeObject += e =>
{
    finalized++;
    finalizedTypes[e.TypeID] = finalizedTypes.GetValueOrDefault(e.TypeID) + 1;
};
source.Clr.TypeBulkType += e =>
{
    for (var i = 0; i < e.Count; i++) typeNames[e.Values(i).TypeID] = e.Values(i).TypeName;
};
source.Clr.GCAllocationTick += e => allocated[e.TypeName ?? "?"] = allocated.GetValueOrDefault(e.TypeName ?? "?") + e.AllocationAmount64;
source.Process();

var seconds = source.SessionDuration.TotalSeconds;
Console.WriteLine();
Console.WriteLine(string.Create(inv, $"trace: {seconds:F1} s, {pauses.Count} GCs ({string.Join(", ", pauses.GroupBy(p => p.Generation).OrderBy(g => g.Key).Select(g => $"gen{g.Key} {g.Count()}"))})"));
if (pauses.Count > 0)
{
    var sorted = pauses.Select(p => p.Ms).Order().ToList();
    Console.WriteLine(string.Create(inv, $"pause ms: median {sorted[sorted.Count / 2]:F2}, max {sorted[^1]:F2}, total {sorted.Sum():F1} ({100 * sorted.Sum() / 1000 / seconds:F2}% of the time)"));
    Console.WriteLine("marking, ms per GC: " + string.Join(", ", phases.OrderByDescending(p => p.Value).Select(p => string.Create(inv, $"{p.Key} {p.Value / pauses.Count:F2}"))));
}
Console.WriteLine(string.Create(inv, $"objects finalized: {finalized} ({finalized / Math.Max(seconds, 1):F0}/s)"));
foreach (var (type, count) in finalizedTypes.OrderByDescending(f => f.Value).Take(8))
    Console.WriteLine(string.Create(inv, $"  {count,6}  {typeNames.GetValueOrDefault(type) ?? $"type {type:x}"}"));
Console.WriteLine(string.Create(inv, $"allocated (sampled every ~100 KB): {allocated.Values.Sum() / 1e6 / seconds:F1} MB/s; most:"));
foreach (var (type, bytes) in allocated.OrderByDescending(a => a.Value).Take(15))
    Console.WriteLine(string.Create(inv, $"  {bytes / 1e6 / seconds,6:F2} MB/s  {type}"));
return 0;

// GCRootKind as the runtime numbers it.
static string MarkPhase(int kind) => kind switch
{
    0 => "stacks", 1 => "finalizer queue", 2 => "handles", 3 => "older generations", 4 => "sized refs",
    5 => "overflow", 6 => "dependent handles", 7 => "new finalizable", _ => $"kind {kind}",
};
