using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Collectives.Interop;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace Collectives.Native.Tests;

/// <summary>One received log message.</summary>
internal readonly record struct LogLine(int Level, string Text);

/// <summary>A C-callable log callback that appends to the queue its user pointer (a GCHandle) names.</summary>
internal static unsafe class QueueCallback
{
    public static delegate* unmanaged[Cdecl]<int, byte*, void*, void> Pointer => &Append;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Append(int level, byte* message, void* user)
    {
        var lines = (ConcurrentQueue<LogLine>)GCHandle.FromIntPtr((nint)user).Target!;
        lines.Enqueue(new LogLine(level, Marshal.PtrToStringUTF8((nint)message) ?? string.Empty));
    }
}

/// <summary>collectivesSetLogCallback through the [LibraryImport] bindings of libcollectives.so.</summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(60_000)]
public sealed unsafe class LogCallbackLibraryImportTests
{
    [Test]
    public void MessagesReachTheCallbackWithTheirLevelAndEventIdUntilItIsRemoved()
    {
        var lines = new ConcurrentQueue<LogLine>();
        GCHandle handle = GCHandle.Alloc(lines);
        try
        {
            Assert.That(NativeMethods.SetLogLevel((int)LogLevel.Information), Is.EqualTo(ErrorCode.Success));
            Assert.That(NativeMethods.SetLogCallback(QueueCallback.Pointer, (void*)GCHandle.ToIntPtr(handle)), Is.EqualTo(ErrorCode.Success));
            RunAndStopMaster();
            Assert.That(lines, Has.Some.Matches<LogLine>(l => l.Level == (int)LogLevel.Information && l.Text.Contains("[1000]: Master listening on 127.0.0.1:", StringComparison.Ordinal)),
                string.Join('\n', lines));
            Assert.That(lines.Select(l => l.Level), Is.All.InRange((int)LogLevel.Information, (int)LogLevel.Critical));

            Assert.That(NativeMethods.SetLogCallback(null, null), Is.EqualTo(ErrorCode.Success));
            int before = lines.Count;
            RunAndStopMaster();
            Assert.That(lines, Has.Count.EqualTo(before), "after removal messages go to stderr");
        }
        finally
        {
            NativeMethods.SetLogCallback(null, null);
            NativeMethods.SetLogLevel((int)LogLevel.Warning);
            handle.Free();
        }
    }

    private static void RunAndStopMaster()
    {
        nint master;
        Assert.That(NativeMethods.CreateMaster(AbiSocketAddress.From(new IPEndPoint(IPAddress.Loopback, 0)), &master), Is.EqualTo(ErrorCode.Success));
        Assert.That(NativeMethods.RunMaster(master), Is.EqualTo(ErrorCode.Success));
        Assert.That(NativeMethods.InterruptMaster(master), Is.EqualTo(ErrorCode.Success));
        Assert.That(NativeMethods.MasterAwaitTermination(master), Is.EqualTo(ErrorCode.Success));
        Assert.That(NativeMethods.DestroyMaster(master), Is.EqualTo(ErrorCode.Success));
    }
}

/// <summary>The callback sink of Collectives.Interop in-process: concurrency, replacement, and the drain on removal.</summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(60_000)]
public sealed class NativeLogCallbackTests
{
    private static ManualResetEventSlim? s_inside;
    private static ManualResetEventSlim? s_release;

    [TearDown]
    public unsafe void Uninstall() => NativeLogCallback.Install(null, null);

    [Test]
    public unsafe void EveryMessageFromManyThreadsArrivesOnceWithItsTextAndLevel()
    {
        var lines = new ConcurrentQueue<LogLine>();
        GCHandle handle = GCHandle.Alloc(lines);
        try
        {
            Assert.That(NativeLogCallback.Install(QueueCallback.Pointer, (void*)GCHandle.ToIntPtr(handle)), Is.True);
            string longText = new('é', 3000); // beyond the stack buffer, and multi-byte in UTF-8
            Parallel.For(0, 8, thread =>
            {
                for (int i = 0; i < 200; i++)
                {
                    Assert.That(NativeLogCallback.TryDeliver(LogLevel.Warning, i == 100 ? longText : $"thread {thread} message {i}"), Is.True);
                }
            });

            Assert.That(lines, Has.Count.EqualTo(8 * 200));
            Assert.That(lines.Select(l => l.Level), Is.All.EqualTo((int)LogLevel.Warning));
            Assert.That(lines.Count(l => l.Text == longText), Is.EqualTo(8));
            Assert.That(lines.Select(l => l.Text).Distinct().Count(), Is.EqualTo((8 * 199) + 1));

            Assert.That(NativeLogCallback.Install(null, null), Is.True);
            Assert.That(NativeLogCallback.TryDeliver(LogLevel.Error, "to stderr"), Is.False);
            Assert.That(lines, Has.Count.EqualTo(8 * 200));
        }
        finally
        {
            handle.Free();
        }
    }

    [Test]
    public async Task RemovalWaitsUntilNoThreadIsInsideTheOldCallback()
    {
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        s_inside = inside;
        s_release = release;
        Assert.That(InstallBlocking(), Is.True);
        Task delivering = Task.Run(() => NativeLogCallback.TryDeliver(LogLevel.Information, "slow"));
        Assert.That(inside.Wait(TimeSpan.FromSeconds(30)), Is.True, "the callback was entered");

        Task<bool> removal = Task.Run(Uninstalled);
        await WaitUntilAsync(() => !NativeLogCallback.IsInstalled);
        Assert.That(removal.IsCompleted, Is.False, "a delivery is still inside the old callback");

        release.Set();
        Assert.That(await removal.WaitAsync(TimeSpan.FromSeconds(30)), Is.True);
        await delivering.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Test]
    public unsafe void ACallbackThatLogsOrReplacesItselfFromInsideNeitherRecursesNorDeadlocks()
    {
        s_nestedResult = null;
        Assert.That(NativeLogCallback.Install(&Reentrant, null), Is.True);
        Assert.That(NativeLogCallback.TryDeliver(LogLevel.Information, "outer"), Is.True);
        Assert.That(s_reentrantCalls, Is.EqualTo(1), "the nested message was dropped, not delivered recursively");
        Assert.That(s_nestedResult, Is.True, "replacing from inside returns at once");
        Assert.That(NativeLogCallback.IsInstalled, Is.False);
    }

    private static unsafe bool InstallBlocking() => NativeLogCallback.Install(&Blocking, null);

    private static unsafe bool Uninstalled() => NativeLogCallback.Install(null, null);

    private static int s_reentrantCalls;
    private static bool? s_nestedResult;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe void Reentrant(int level, byte* message, void* user)
    {
        s_reentrantCalls++;
        NativeLogCallback.TryDeliver(LogLevel.Error, "nested");
        s_nestedResult = NativeLogCallback.Install(null, null);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe void Blocking(int level, byte* message, void* user)
    {
        s_inside!.Set();
        s_release!.Wait(TimeSpan.FromSeconds(30));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(5, deadline.Token);
        }
    }
}
