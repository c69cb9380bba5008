using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Collectives.Interop;
using Collectives.Quantization;
using NUnit.Framework;

namespace Collectives.Native.Tests;

/// <summary>The Interop machinery in-process, without the native library: handles, conversions, error mapping.</summary>
[TestFixture]
public sealed unsafe class InteropUnitTests
{
    [Test]
    public void HandlesAreOpaqueValidatedAndNeverReused()
    {
        var table = new HandleTable();
        var first = new object();
        nint handle = table.Add(first);
        Assert.That(table.Get<object>(handle, "thing"), Is.SameAs(first));
        Assert.That(table.TryGet(handle, out string? wrongKind), Is.False, "another kind of object is not found");
        Assert.That(wrongKind, Is.Null);
        Assert.That(table.Remove<object>(handle, "thing"), Is.SameAs(first));

        var stale = Assert.Throws<CollectivesException>(() => table.Get<object>(handle, "thing"));
        Assert.That(stale!.ErrorCode, Is.EqualTo(ErrorCode.InvalidArgument));
        nint next = table.Add(new object());
        Assert.That(next, Is.Not.EqualTo(handle), "numbers are never reused");
        foreach (nint garbage in new nint[] { 0, 1, -1, handle, next + 1, next - 16 })
        {
            var error = Assert.Throws<CollectivesException>(() => table.Get<object>(garbage, "thing"));
            Assert.That(error!.ErrorCode, Is.EqualTo(ErrorCode.InvalidArgument));
        }

        Assert.That(Assert.Throws<CollectivesException>(() => table.Get<object>(0, "thing"))!.Message, Does.Contain("NULL"));
        Assert.That(table.Count, Is.EqualTo(1));
    }

    [Test]
    public void DataTypesRoundTripAndUnknownValuesAreInvalid()
    {
        foreach (AbiDataType value in Enum.GetValues<AbiDataType>())
        {
            Assert.That(AbiConvert.FromDataType(AbiConvert.ToDataType((int)value)), Is.EqualTo(value));
        }

        Assert.That(Enum.GetValues<DataType>().Select(AbiConvert.FromDataType).Distinct().Count(), Is.EqualTo(Enum.GetValues<DataType>().Length),
            "every library type has its own C value");
        Assert.That(AbiConvert.ToDataType((int)AbiDataType.Float32), Is.EqualTo(DataType.Float32), "PCCL 1.0: pcclFloat = 10");
        Assert.That(AbiConvert.ToDataType((int)AbiDataType.Float16), Is.EqualTo(DataType.Float16), "PCCL 1.0: pcclFloat16 = 8");
        foreach (int bad in new[] { -1, 12, 100, int.MinValue })
        {
            Assert.That(Assert.Throws<CollectivesException>(() => AbiConvert.ToDataType(bad))!.ErrorCode, Is.EqualTo(ErrorCode.InvalidArgument));
        }
    }

    [Test]
    public void QuantizationOptionsPassThroughAndIgnoreTheTypeWhenNone()
    {
        var none = new AbiQuantizationOptions { Algorithm = (int)AbiQuantizationAlgorithm.None, QuantizedDataType = 999 };
        Assert.That(AbiConvert.ToQuantization(none), Is.EqualTo(QuantizationOptions.None));
        var minMax = new AbiQuantizationOptions { Algorithm = (int)AbiQuantizationAlgorithm.MinMax, QuantizedDataType = (int)AbiDataType.UInt8 };
        Assert.That(AbiConvert.ToQuantization(minMax), Is.EqualTo(new QuantizationOptions(QuantizationAlgorithm.MinMax, DataType.UInt8)));
        Assert.Throws<CollectivesException>(() => AbiConvert.ToQuantization(minMax with { QuantizedDataType = 12 }));
        Assert.Throws<CollectivesException>(() => AbiConvert.ToQuantization(minMax with { Algorithm = 3 }));
    }

    [Test]
    public void ReduceCallsRefuseOverlapOversizeAndNulls()
    {
        float* pointer = (float*)NativeMemory.AllocZeroed(16, sizeof(float));
        try
        {
            var descriptor = new AbiReduceDescriptor { Count = 8, Op = (int)AbiReduceOp.Max, Tag = 5, Source = new() { DataType = (int)AbiDataType.Float32 } };
            ReduceCall inPlace = ReduceCall.Create(pointer, pointer, descriptor);
            Assert.That(inPlace.InPlace, Is.True);
            Assert.That(inPlace.Send.Length, Is.EqualTo(32));
            Assert.That((inPlace.Type, inPlace.Op, inPlace.Tag, inPlace.Count), Is.EqualTo((DataType.Float32, ReduceOp.Max, 5UL, 8L)));

            ReduceCall disjoint = ReduceCall.Create(pointer, pointer + 8, descriptor);
            Assert.That(disjoint.InPlace, Is.False);

            AssertInvalid(() => ReduceCall.Create(pointer, pointer + 4, descriptor), "overlap");
            AssertInvalid(() => ReduceCall.Create(null, pointer, descriptor), "NULL");
            AssertInvalid(() => ReduceCall.Create(pointer, pointer, (AbiReduceDescriptor*)null), "NULL");
            AssertInvalid(() => ReduceCall.Create(pointer, pointer, descriptor with { Count = (nuint)int.MaxValue / 2 }), "2 GiB");
            AssertInvalid(() => ReduceCall.Create(pointer, pointer, descriptor with { Op = 5 }), "reduce op");
            AssertInvalid(() => ReduceCall.Create(pointer, pointer, descriptor with { Source = new() { DataType = 8, DistributionHint = 3 } }), "hint");
        }
        finally
        {
            NativeMemory.Free(pointer);
        }
    }

    private static void AssertInvalid(Action call, string fragment)
    {
        var error = Assert.Throws<CollectivesException>(() => call());
        Assert.That(error!.ErrorCode, Is.EqualTo(ErrorCode.InvalidArgument));
        Assert.That(error.Message, Does.Contain(fragment));
    }

    [Test]
    public void SocketAddressesConvertBothWays()
    {
        foreach (IPEndPoint endPoint in new[]
                 {
                     new IPEndPoint(IPAddress.Loopback, 48148),
                     new IPEndPoint(IPAddress.Parse("10.1.2.3"), 1),
                     new IPEndPoint(IPAddress.Parse("2001:db8::17"), 65535),
                 })
        {
            Assert.That(AbiSocketAddress.From(endPoint).ToEndPoint(), Is.EqualTo(endPoint));
        }

        AbiSocketAddress mapped = AbiSocketAddress.From(new IPEndPoint(IPAddress.Parse("::ffff:192.168.0.9"), 7));
        Assert.That(mapped.Inet.Protocol, Is.EqualTo((int)AbiInetProtocol.IPv4), "IPv4-mapped addresses are IPv4");
        var bad = new AbiSocketAddress { Inet = new AbiInetAddress { Protocol = 2 } };
        Assert.That(Assert.Throws<CollectivesException>(() => bad.ToEndPoint())!.ErrorCode, Is.EqualTo(ErrorCode.InvalidArgument));
    }

    [Test]
    public void ExceptionsMapToResultCodesAndTheLastErrorMessage()
    {
        Assert.That(Boundary.Fail(new CollectivesException(ErrorCode.Kicked, "out")), Is.EqualTo((int)ErrorCode.Kicked));
        Assert.That(LastError.Message, Is.EqualTo("out"));
        Assert.That(Boundary.Fail(new ArgumentOutOfRangeException("x")), Is.EqualTo((int)ErrorCode.InvalidArgument));
        Assert.That(Boundary.Fail(new ObjectDisposedException("x")), Is.EqualTo((int)ErrorCode.InvalidUsage));
        Assert.That(Boundary.Fail(new OperationCanceledException()), Is.EqualTo((int)ErrorCode.Cancelled));
        Assert.That(Boundary.Fail(new TimeoutException()), Is.EqualTo((int)ErrorCode.Timeout));
        Assert.That(Boundary.Fail(new SocketException((int)SocketError.ConnectionRefused)), Is.EqualTo((int)ErrorCode.RankConnectionFailed));
        Assert.That(Boundary.Fail(new AggregateException(new CollectivesException(ErrorCode.RankConnectionLost, "lost"))),
            Is.EqualTo((int)ErrorCode.RankConnectionLost));
        Assert.That(Boundary.Fail(new NullReferenceException("bug")), Is.EqualTo((int)ErrorCode.InternalError));
        Assert.That(LastError.Message, Does.Contain("NullReferenceException"));

        string huge = new('é', 5000);
        Boundary.Fail(new CollectivesException(ErrorCode.InvalidArgument, huge));
        Assert.That(LastError.Message.Length, Is.LessThan(1024), "messages are capped, cut at a character boundary");
        Assert.That(LastError.Message, Does.Not.Contain('\uFFFD'));
    }

    [Test]
    public void EveryResultCodeHasAStaticDescription()
    {
        var seen = new HashSet<string>();
        foreach (ErrorCode code in Enum.GetValues<ErrorCode>())
        {
            string text = Marshal.PtrToStringUTF8((nint)ResultStrings.Of((int)code))!;
            Assert.That(text, Is.Not.Empty.And.Not.EqualTo("unknown result code"), code.ToString());
            Assert.That(seen.Add(text), Is.True, $"{code} has its own text");
        }

        Assert.That(Marshal.PtrToStringUTF8((nint)ResultStrings.Of(19)), Is.EqualTo("unknown result code"));
    }

    [Test]
    public void LogLevelsParsePcclAndDotNetNames()
    {
        Assert.That(NativeLogging.ParseLevel("WARN"), Is.EqualTo(Microsoft.Extensions.Logging.LogLevel.Warning));
        Assert.That(NativeLogging.ParseLevel(" err "), Is.EqualTo(Microsoft.Extensions.Logging.LogLevel.Error));
        Assert.That(NativeLogging.ParseLevel("FATAL"), Is.EqualTo(Microsoft.Extensions.Logging.LogLevel.Critical));
        Assert.That(NativeLogging.ParseLevel("Information"), Is.EqualTo(Microsoft.Extensions.Logging.LogLevel.Information));
        Assert.That(NativeLogging.ParseLevel("loud"), Is.Null);
        Assert.That(NativeLogging.ParseLevel(null), Is.Null);
    }
}
