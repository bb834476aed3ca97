using System.Net;
using System.Net.Sockets;

namespace GigaOffice.Testing;

/// <summary>Finds TCP ports that are free on the loopback interface.</summary>
public static class FreePort
{
    /// <summary>
    /// Returns a port that was free on 127.0.0.1 a moment ago. The kernel picks it (bind to port 0),
    /// so parallel callers rarely collide; still, another process may take it before the caller binds.
    /// </summary>
    public static int Get()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
