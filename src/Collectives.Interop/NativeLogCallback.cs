using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Collectives.Interop;

/// <summary>
/// The C host's log callback (<c>collectivesSetLogCallback</c>): one process-wide function pointer plus user pointer,
/// swapped atomically. Replacing it waits (bounded) until no other thread is still inside the previous one, so a host
/// may free what its user pointer points to once the call returned. Messages logged from inside the callback on the
/// same thread (the callback calling into the library) are dropped instead of recursing.
/// </summary>
internal static unsafe class NativeLogCallback
{
    /// <summary>How long replacing the callback waits for deliveries on other threads to leave the old one.</summary>
    public static readonly TimeSpan DrainBound = TimeSpan.FromSeconds(5);

    // Messages up to this many UTF-8 bytes are encoded on the stack; longer ones (exceptions with stack traces) rent.
    private const int StackMessageBytes = 1024;

    private static Sink? s_sink;

    [ThreadStatic]
    private static Sink? t_delivering;

    /// <summary>True while a callback is installed (messages then go to it instead of stderr).</summary>
    public static bool IsInstalled => Volatile.Read(ref s_sink) is not null;

    /// <summary>
    /// Installs <paramref name="callback"/> (null: back to stderr) and waits until the previous callback is no longer
    /// running on another thread.
    /// </summary>
    /// <returns>False if a delivery on another thread was still inside the previous callback after <see cref="DrainBound"/>.</returns>
    public static bool Install(delegate* unmanaged[Cdecl]<int, byte*, void*, void> callback, void* user)
    {
        Sink? next = callback is null ? null : new Sink(callback, user);
        Sink? previous = Interlocked.Exchange(ref s_sink, next);
        if (previous is null)
        {
            return true;
        }

        // The calling thread may itself be inside the previous callback: that one delivery is allowed to remain.
        int own = ReferenceEquals(t_delivering, previous) ? 1 : 0;
        long deadline = Environment.TickCount64 + (long)DrainBound.TotalMilliseconds;
        var spin = new SpinWait();
        while (Volatile.Read(ref previous.InFlight) > own)
        {
            if (Environment.TickCount64 > deadline)
            {
                return false;
            }

            spin.SpinOnce(sleep1Threshold: 20);
        }

        return true;
    }

    /// <summary>
    /// Hands <paramref name="message"/> to the installed callback. Never throws.
    /// </summary>
    /// <returns>False when no callback is installed (the caller writes to stderr instead).</returns>
    public static bool TryDeliver(LogLevel level, string message)
    {
        if (t_delivering is not null)
        {
            return true; // logged from inside the callback: dropping beats unbounded recursion
        }

        Sink? sink = Enter();
        if (sink is null)
        {
            return false;
        }

        try
        {
            t_delivering = sink;
            Deliver(sink, (int)level, message);
        }
        catch
        {
            // A message that cannot be encoded is lost; logging must never fail the operation that logs.
        }
        finally
        {
            t_delivering = null;
            Interlocked.Decrement(ref sink.InFlight);
        }

        return true;
    }

    /// <summary>Counts this thread into the current sink, re-reading it if it was replaced meanwhile.</summary>
    private static Sink? Enter()
    {
        while (true)
        {
            Sink? sink = Volatile.Read(ref s_sink);
            if (sink is null)
            {
                return null;
            }

            // Count in first, then confirm the sink is still current: Install swaps before it reads the count, so
            // either it sees this delivery or this thread sees the new sink (both are full fences).
            Interlocked.Increment(ref sink.InFlight);
            if (ReferenceEquals(Volatile.Read(ref s_sink), sink))
            {
                return sink;
            }

            Interlocked.Decrement(ref sink.InFlight);
        }
    }

    private static void Deliver(Sink sink, int level, string message)
    {
        int maxBytes = Encoding.UTF8.GetMaxByteCount(message.Length) + 1;
        byte[]? rented = maxBytes > StackMessageBytes ? ArrayPool<byte>.Shared.Rent(maxBytes) : null;
        try
        {
            Span<byte> buffer = rented ?? stackalloc byte[StackMessageBytes];
            int length = Encoding.UTF8.GetBytes(message, buffer);
            buffer[length] = 0;
            fixed (byte* text = buffer)
            {
                sink.Callback(level, text, sink.User);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private sealed class Sink(delegate* unmanaged[Cdecl]<int, byte*, void*, void> callback, void* user)
    {
        public int InFlight;

        public delegate* unmanaged[Cdecl]<int, byte*, void*, void> Callback { get; } = callback;

        public void* User { get; } = user;
    }
}
