using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace GigaOffice.Testing;

/// <summary>How a paused <see cref="TcpProxy"/> treats its connections.</summary>
public enum TcpProxyPauseMode
{
    /// <summary>
    /// The server "went away": open connections are reset (RST) and new ones are accepted and reset at once,
    /// so clients fail fast with connection-reset errors.
    /// </summary>
    Reset,

    /// <summary>
    /// The network "went silent": connections stay open but no byte is forwarded either way, and new ones
    /// are accepted but not connected upstream, so clients hit their own time-outs. Resume delivers what was held.
    /// </summary>
    Blackhole,
}

/// <summary>
/// Loopback TCP proxy (127.0.0.1, a free port unless given) to one target, which tests can cut off with
/// <see cref="Pause"/> and restore with <see cref="Resume"/> (e.g. to make PostgreSQL or a Kafka broker unreachable).
/// </summary>
/// <remarks>
/// Not for a Kafka broker: clients connect to the address the broker advertises in metadata, not to
/// bootstrap.servers, so they would bypass the proxy. <see cref="KafkaMockCluster"/> fronts its brokers
/// with proxies that they advertise; use <see cref="KafkaMockCluster.SetBrokerDown"/>.
/// </remarks>
public sealed class TcpProxy : IAsyncDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly HashSet<Link> _links = [];
    private readonly Lock _sync = new();
    private readonly Task _acceptLoop;
    private TcpProxyPauseMode? _pauseMode;
    private TaskCompletionSource _resumed = CompletedGate();
    private long _acceptedConnections;
    private int _disposed;

    /// <param name="targetHost">Host to forward to (name or address).</param>
    /// <param name="targetPort">Port to forward to.</param>
    /// <param name="listenPort">Port to listen on, on 127.0.0.1; 0 picks a free one.</param>
    public TcpProxy(string targetHost, int targetPort, int listenPort = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(targetHost);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetPort);
        TargetHost = targetHost;
        TargetPort = targetPort;

        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // A fixed port must be reusable right after a previous proxy on it closed (TIME_WAIT).
            _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, listenPort));
            _listener.Listen(512);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }

        ListenEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Proxy to "host:port" (the last colon separates the port).</summary>
    public TcpProxy(string targetAddress)
        : this(SplitHost(targetAddress), SplitPort(targetAddress))
    {
    }

    public string TargetHost { get; }

    public int TargetPort { get; }

    public IPEndPoint ListenEndPoint { get; }

    public string Host => ListenEndPoint.Address.ToString();

    public int Port => ListenEndPoint.Port;

    /// <summary>"127.0.0.1:port", e.g. for Kafka's bootstrap.servers.</summary>
    public string Address => $"{Host}:{Port}";

    public bool IsPaused => _pauseMode is not null;

    /// <summary>Connections open now (client side accepted, not yet closed).</summary>
    public int ActiveConnections
    {
        get
        {
            lock (_sync)
            {
                return _links.Count;
            }
        }
    }

    /// <summary>Connections accepted since start, including those reset while paused: shows traffic really goes through the proxy.</summary>
    public long AcceptedConnections => Interlocked.Read(ref _acceptedConnections);

    /// <summary>Cuts clients off the target until <see cref="Resume"/>; see <see cref="TcpProxyPauseMode"/>.</summary>
    public void Pause(TcpProxyPauseMode mode = TcpProxyPauseMode.Reset)
    {
        List<Link> toReset;
        lock (_sync)
        {
            _pauseMode = mode;
            if (_resumed.Task.IsCompleted)
            {
                _resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            toReset = mode == TcpProxyPauseMode.Reset ? [.. _links] : [];
        }

        foreach (var link in toReset)
        {
            link.Abort();
        }
    }

    /// <summary>Forwards again: new connections reach the target; blackholed ones carry on.</summary>
    public void Resume()
    {
        TaskCompletionSource gate;
        lock (_sync)
        {
            _pauseMode = null;
            gate = _resumed;
        }

        gate.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        _listener.Dispose();
        List<Link> links;
        lock (_sync)
        {
            links = [.. _links];
        }

        foreach (var link in links)
        {
            link.Abort();
        }

        _resumed.TrySetResult(); // Release held pumps so they see the cancellation and end.
        await _acceptLoop.ConfigureAwait(false);
        _stopping.Dispose();
    }

    public override string ToString() => $"TcpProxy {Address} -> {TargetHost}:{TargetPort}{(IsPaused ? $" (paused: {_pauseMode})" : "")}";

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException)
            {
                continue; // e.g. the client gave up before accept
            }

            Interlocked.Increment(ref _acceptedConnections);
            var link = new Link(client);
            bool reset;
            lock (_sync)
            {
                // Checked under the lock that Pause takes, so a connection is either reset here or by Pause.
                reset = _pauseMode == TcpProxyPauseMode.Reset;
                if (!reset)
                {
                    _links.Add(link);
                }
            }

            if (reset)
            {
                link.Abort();
                continue;
            }

            _ = RunLinkAsync(link);
        }
    }

    private async Task RunLinkAsync(Link link)
    {
        var token = _stopping.Token;
        try
        {
            // Blackhole: a new connection is held here, not connected upstream, until Resume.
            await WaitForwardingAsync(token).ConfigureAwait(false);
            var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            link.Upstream = upstream;
            if (link.IsAborted)
            {
                upstream.Dispose();
                return;
            }

            await upstream.ConnectAsync(TargetHost, TargetPort, token).ConfigureAwait(false);
            link.Client.NoDelay = true;
            var toTarget = PumpAsync(link.Client, upstream, token);
            var toClient = PumpAsync(upstream, link.Client, token);
            await Task.WhenAll(toTarget, toClient).ConfigureAwait(false);
            link.Close();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            // Either side went away, or the proxy paused/closed it: make sure the other side sees it too.
            link.Abort();
        }
        finally
        {
            lock (_sync)
            {
                _links.Remove(link);
            }
        }
    }

    private async Task PumpAsync(Socket from, Socket to, CancellationToken token)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, token).ConfigureAwait(false);
                if (read == 0)
                {
                    // Half-close: pass the end of stream on, keep the other direction flowing.
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await WaitForwardingAsync(token).ConfigureAwait(false);
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, token).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private Task WaitForwardingAsync(CancellationToken token)
    {
        Task gate;
        lock (_sync)
        {
            gate = _resumed.Task;
        }

        return gate.IsCompleted ? Task.CompletedTask : gate.WaitAsync(token);
    }

    private static TaskCompletionSource CompletedGate()
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        tcs.SetResult();
        return tcs;
    }

    private static string SplitHost(string address)
    {
        var colon = address.LastIndexOf(':');
        return colon > 0 ? address[..colon].Trim('[', ']') : throw new ArgumentException($"Expected host:port, got '{address}'.", nameof(address));
    }

    private static int SplitPort(string address)
    {
        var colon = address.LastIndexOf(':');
        return colon > 0 && int.TryParse(address[(colon + 1)..], out var port)
            ? port
            : throw new ArgumentException($"Expected host:port, got '{address}'.", nameof(address));
    }

    /// <summary>One proxied connection: the accepted client socket and, once connected, the upstream one.</summary>
    private sealed class Link(Socket client)
    {
        private int _aborted;

        public Socket Client { get; } = client;

        public Socket? Upstream { get; set; }

        public bool IsAborted => Volatile.Read(ref _aborted) != 0;

        /// <summary>Closes both sides with RST (linger 0), as a crashed or unreachable server would.</summary>
        public void Abort()
        {
            Interlocked.Exchange(ref _aborted, 1);
            Reset(Client);
            if (Upstream is { } upstream)
            {
                Reset(upstream);
            }
        }

        public void Close()
        {
            Client.Dispose();
            Upstream?.Dispose();
        }

        private static void Reset(Socket socket)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Already closed.
            }

            socket.Dispose();
        }
    }
}
