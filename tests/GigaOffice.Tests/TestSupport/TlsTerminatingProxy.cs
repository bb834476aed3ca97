using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace GigaOffice.Tests.TestSupport;

/// <summary>
/// A TLS front for a plaintext server (the Kafka mock cluster speaks no TLS): clients make a real
/// handshake with <paramref name="certificate"/>; with <paramref name="clientCa"/> they must also
/// present a certificate issued by it (mutual TLS). Bytes are then relayed unchanged.
/// </summary>
public sealed class TlsTerminatingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly X509Certificate2 _certificate;
    private readonly X509Certificate2? _clientCa;
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly Task _accepting;
    private int _handshakes;
    private int _refused;

    public TlsTerminatingProxy(string targetHost, int targetPort, X509Certificate2 certificate, X509Certificate2? clientCa, int listenPort = 0)
    {
        (_targetHost, _targetPort, _certificate, _clientCa) = (targetHost, targetPort, certificate, clientCa);
        _listener = new TcpListener(IPAddress.Loopback, listenPort);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public string Address => $"127.0.0.1:{Port}";
    public int Handshakes => _handshakes;
    public int RefusedHandshakes => _refused;
    public string? LastClientSubject { get; private set; }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stopping.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var _ = client;
        await using var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = _certificate,
                ClientCertificateRequired = _clientCa is not null,
                RemoteCertificateValidationCallback = (_, certificate, _, _) => _clientCa is null || IssuedByClientCa(certificate),
            }, _stopping.Token);
        }
        catch (Exception)
        {
            Interlocked.Increment(ref _refused);
            return;
        }
        Interlocked.Increment(ref _handshakes);
        LastClientSubject = tls.RemoteCertificate?.Subject;

        using var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(_targetHost, _targetPort, _stopping.Token);
            var plain = upstream.GetStream();
            await Task.WhenAny(tls.CopyToAsync(plain, _stopping.Token), plain.CopyToAsync(tls, _stopping.Token));
        }
        catch (Exception)
        {
            // Either side went away.
        }
    }

    private bool IssuedByClientCa(X509Certificate? certificate)
    {
        if (certificate is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_clientCa!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(new X509Certificate2(certificate));
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
    }
}
