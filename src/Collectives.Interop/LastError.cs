using System.Runtime.InteropServices;
using System.Text;

namespace Collectives.Interop;

/// <summary>
/// The message of the most recent failing C call, per thread, kept in native memory so C can read it through a
/// plain <c>const char *</c> until the thread's next failure.
/// </summary>
internal static unsafe class LastError
{
    // Messages are short diagnostics; capping them keeps one fixed buffer per thread (allocated on the first failure,
    // never freed: C threads do not tell us when they exit).
    private const int Capacity = 1024;

    [ThreadStatic]
    private static byte* t_buffer;

    private static readonly byte* s_empty = (byte*)NativeMemory.AllocZeroed(1);

    /// <summary>The calling thread's message, NUL-terminated UTF-8 (empty when it never failed).</summary>
    public static byte* Pointer => t_buffer is null ? s_empty : t_buffer;

    /// <summary>The calling thread's message as a string.</summary>
    public static string Message => Marshal.PtrToStringUTF8((nint)Pointer) ?? string.Empty;

    /// <summary>Records <paramref name="message"/> for the calling thread (truncated at a character boundary).</summary>
    public static void Set(string message)
    {
        if (t_buffer is null)
        {
            t_buffer = (byte*)NativeMemory.AllocZeroed(Capacity);
        }

        var destination = new Span<byte>(t_buffer, Capacity - 1);
        Encoder encoder = Encoding.UTF8.GetEncoder();
        encoder.Convert(message.AsSpan(), destination, flush: true, out _, out int written, out _);
        t_buffer[written] = 0;
    }
}
