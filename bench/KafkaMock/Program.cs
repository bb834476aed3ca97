using System.Runtime.InteropServices;
using Confluent.Kafka;

// The Kafka-protocol mock cluster built into librdkafka, kept alive for other processes to use
// over TCP. It lives as long as this process (and its AdminClient). Data is in memory: a
// "broker outage" in the drills is this process frozen with SIGSTOP, not killed.
// Prints "bootstrap: host:port,..." once the brokers listen; stops on SIGTERM or Ctrl+C.
var brokers = args.Length > 0 && int.TryParse(args[0], out var n) ? n : 1;
var config = new AdminClientConfig { BootstrapServers = "mock" };
config.Set("test.mock.num.brokers", brokers.ToString());
using var admin = new AdminClientBuilder(config).Build();

var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
Console.WriteLine("bootstrap: " + string.Join(",", metadata.Brokers.Select(b => $"{b.Host}:{b.Port}")));

var stop = new TaskCompletionSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
await stop.Task;
