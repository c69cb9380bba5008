using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Collectives.Interop;

/// <summary>
/// Opaque handles for objects handed to C. A handle is a number, never a pointer: it is looked up on every call, so
/// NULL, garbage and handles of destroyed objects are refused with InvalidArgument instead of being dereferenced.
/// Numbers are never reused, so a stale handle cannot alias a newer object.
/// </summary>
internal sealed class HandleTable
{
    // Handles look like aligned addresses in a range no allocator hands out, which makes them easy to spot in a
    // debugger and keeps "small integer" garbage (0, 1, -1) from ever matching.
    private const long Base = 0x7C0_0000_0000;
    private const int Stride = 16;

    private readonly ConcurrentDictionary<nint, object> _entries = new();
    private long _issued;

    /// <summary>The process-wide table the C exports use.</summary>
    public static HandleTable Shared { get; } = new();

    /// <summary>Number of live handles.</summary>
    public int Count => _entries.Count;

    /// <summary>Registers <paramref name="target"/> and returns its new handle.</summary>
    public nint Add(object target)
    {
        ArgumentNullException.ThrowIfNull(target);
        nint handle = (nint)(Base + (Interlocked.Increment(ref _issued) * Stride));
        _entries[handle] = target;
        return handle;
    }

    /// <summary>Finds the live object of type <typeparamref name="T"/> behind <paramref name="handle"/>.</summary>
    public bool TryGet<T>(nint handle, [NotNullWhen(true)] out T? target) where T : class
    {
        target = _entries.TryGetValue(handle, out object? entry) ? entry as T : null;
        return target is not null;
    }

    /// <summary>The live object of type <typeparamref name="T"/> behind <paramref name="handle"/>.</summary>
    /// <exception cref="CollectivesException">InvalidArgument when the handle is NULL, unknown, destroyed or of another kind.</exception>
    public T Get<T>(nint handle, string what) where T : class =>
        TryGet(handle, out T? target) ? target : throw Unknown(handle, what);

    /// <summary>Why <paramref name="handle"/> is not a live <paramref name="what"/>.</summary>
    private CollectivesException Unknown(nint handle, string what) => handle switch
    {
        0 => AbiConvert.Invalid($"{what} is NULL"),
        _ when _entries.ContainsKey(handle) => AbiConvert.Invalid($"0x{handle:x} is a handle of another kind, not a {what}"),
        _ => AbiConvert.Invalid($"{what} 0x{handle:x} is not a live handle (garbage, or already destroyed)"),
    };

    /// <summary>Removes and returns the object behind <paramref name="handle"/> if it is a <typeparamref name="T"/>.</summary>
    /// <exception cref="CollectivesException">InvalidArgument as for <see cref="Get{T}"/>.</exception>
    public T Remove<T>(nint handle, string what) where T : class
    {
        if (_entries.TryGetValue(handle, out object? entry) && entry is T target
            && _entries.TryRemove(new KeyValuePair<nint, object>(handle, entry)))
        {
            return target;
        }

        throw Unknown(handle, what);
    }
}
