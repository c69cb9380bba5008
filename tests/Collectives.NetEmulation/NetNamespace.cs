using System.Net;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Collectives.NetEmulation;

/// <summary>
/// A named network namespace (<c>ip netns</c>) that code in this process can run in. A socket belongs to the namespace
/// of the thread that created it and keeps it for life, wherever its later operations run; accepted sockets inherit
/// their listener's. So a listener, or a client socket, created through <see cref="Invoke{T}"/> lives in the namespace
/// while the rest of the process stays where it is.
/// </summary>
/// <remarks>
/// Only the synchronous part of the delegate given to <see cref="Invoke{T}"/> runs inside the namespace: code
/// after an <c>await</c> continues on pool threads in the process's own namespace, and sockets it creates are there.
/// </remarks>
public sealed class NetNamespace
{
    /// <summary>Wraps an existing namespace by its <c>ip netns</c> name (it is not created).</summary>
    public NetNamespace(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>The <c>ip netns</c> name.</summary>
    public string Name { get; }

    /// <summary>The bind-mounted namespace file that <c>ip netns add</c> created.</summary>
    public string Path => "/run/netns/" + Name;

    /// <summary>
    /// Runs <paramref name="action"/> on a fresh thread that has entered this namespace and returns its result (blocks
    /// until it returns). Exceptions are rethrown here.
    /// </summary>
    /// <exception cref="IOException">The namespace cannot be opened or entered.</exception>
    public T Invoke<T>(Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Enter();
                result = action();
            }
#pragma warning disable CA1031 // every failure is carried back to the calling thread
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = "netns " + Name,
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    /// <summary>Runs <paramref name="action"/> inside this namespace; see <see cref="Invoke{T}"/>.</summary>
    public void Invoke(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Invoke(() =>
        {
            action();
            return true;
        });
    }

    /// <summary>A TCP socket that lives in this namespace.</summary>
    public Socket CreateTcpSocket(AddressFamily family = AddressFamily.InterNetwork) =>
        Invoke(() => new Socket(family, SocketType.Stream, ProtocolType.Tcp));

    /// <summary>A TCP listener in this namespace, bound to <paramref name="endPoint"/> (port 0 picks one) and listening.</summary>
    public Socket Listen(IPEndPoint endPoint, int backlog = 64)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return Invoke(() =>
        {
            var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(endPoint);
                socket.Listen(backlog);
                return socket;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        });
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    private void Enter()
    {
        int fd = LinuxNative.Open(Path, LinuxNative.OpenReadOnly | LinuxNative.OpenCloseOnExec);
        if (fd < 0)
        {
            throw new IOException($"cannot open {Path}: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            if (LinuxNative.SetNamespace(fd, LinuxNative.CloneNewNet) != 0)
            {
                throw new IOException($"setns({Path}) failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            LinuxNative.Close(fd);
        }
    }
}
