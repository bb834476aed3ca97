using System.Globalization;
using LoadGen;

// LoadGen: load scenarios for GigaOffice. One command per scenario; every run ends with one
// "RESULT key=value ..." line that the bench/*.sh scripts parse.
const string usage = """
    LoadGen SCENARIO [options]

    Scenarios:
      accept       closed loop: N connections each POST /api/ai/process back to back for a duration;
                   prints throughput, latency percentiles, errors
      accept-rate  open loop: POSTs at a fixed offered rate, latency measured from each request's
                   intended send time (no coordinated omission)
      e2e          submits M requests, polls until all are finished; completions/s from the
                   service's own started_at/completed_at
      poll         submits M requests, then GET /api/ai/status for them in turn while the workers
                   run: closed loop with --rate 0 (throughput at saturation), else open loop at the rate
      drill        open loop at a rate for a duration while the service may be killed; then waits
                   for every accepted request: accepted, completed, failed by reason, lost
      top FILE     where a CPU profile (dotnet-trace, converted to speedscope JSON) spent its time
                   [--top N] [--filter TEXT]

    Options:
      --url URL            service base URL (default http://127.0.0.1:8000)
      --connections N      concurrent connections (default 64)
      --duration S         measured seconds (default 20)
      --warmup S           unmeasured seconds before (default 3)
      --rate R             offered requests/s (accept-rate, poll, drill; default 500)
      --requests M         requests to submit (e2e, poll; default 1000)
      --finish-timeout S   how long to wait for accepted requests to finish (e2e, drill; default 600)
      --poll-after S       e2e: first status poll S seconds after submitting, so that polling does not
                           share the CPU with the workers (default 0: poll while they work)
      --body FILE          JSON body to POST; "{n}" in it becomes a per-request number (default: the README's example)
      --api-key KEY        sent as X-API-Key (when the service requires one)
    """;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine(usage);
    return args.Length == 0 ? 2 : 0;
}
if (args[0] == "top" && args.Length > 1)
{
    var topN = args.SkipWhile(a => a != "--top").Skip(1).Select(int.Parse).FirstOrDefault(30);
    var filter = args.SkipWhile(a => a != "--filter").Skip(1).FirstOrDefault();
    return SpeedscopeTop.Run(args[1], topN, filter);
}

var options = new Options();
for (var i = 1; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    double Number() => double.Parse(Value(), CultureInfo.InvariantCulture);
    switch (args[i])
    {
        case "--url": options.Url = Value().TrimEnd('/'); break;
        case "--connections": options.Connections = (int)Number(); break;
        case "--duration": options.Duration = Number(); break;
        case "--warmup": options.Warmup = Number(); break;
        case "--rate": options.Rate = Number(); break;
        case "--requests": options.Requests = (int)Number(); break;
        case "--finish-timeout": options.FinishTimeout = Number(); break;
        case "--poll-after": options.PollAfter = Number(); break;
        case "--body": options.Body = File.ReadAllText(Value()); break;
        case "--api-key": options.ApiKey = Value(); break;
        default:
            Console.Error.WriteLine($"Unknown option {args[i]}\n\n{usage}");
            return 2;
    }
}

using var service = new ServiceClient(options);
return args[0] switch
{
    "accept" => await Scenarios.AcceptClosedLoopAsync(service, options),
    "accept-rate" => await Scenarios.AcceptOpenLoopAsync(service, options),
    "e2e" => await Scenarios.EndToEndAsync(service, options),
    "poll" => await Scenarios.PollAsync(service, options),
    "drill" => await Scenarios.DrillAsync(service, options),
    _ => Fail($"Unknown scenario {args[0]}\n\n{usage}"),
};

static int Fail(string message)
{
    Console.Error.WriteLine(message);
    return 2;
}
