using System.Net;
using Collectives.NetEmulation;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.NetEmulation;

/// <summary>The harness's pure parts: name parsing, the tc tree, the relay's window bookkeeping.</summary>
[TestFixture]
public sealed class HarnessLogicTests
{
    [TestCase("cwan-123-4-hub", 123)]
    [TestCase("cwan-9-10-h3", 9)]
    [TestCase("cwan--1-hub", null)]
    [TestCase("cwan-x-1-hub", null)]
    [TestCase("cwan-+5-1-hub", null)]
    [TestCase("other-123-4-hub", null)]
    [TestCase("cwan-123", null)]
    public void Owner_pid_is_read_only_from_the_harness_names(string name, int? pid) =>
        Assert.That(WanNetwork.OwnerPid(name), Is.EqualTo(pid));

    [Test]
    public void Shaping_tree_has_one_filtered_class_per_limited_destination_under_the_total()
    {
        Prop.ForAll(Gen.Choose(0, 20).ToArbitrary(), Gen.Choose(1, 1000).ToArbitrary(), ArbMap.Default.ArbFor<bool>(),
            (pairs, totalMbit, limitTotal) =>
            {
                var rates = Enumerable.Range(0, pairs).ToDictionary(i => new IPAddress([10, 77, 0, (byte)(i + 2)]), i => (i + 1) * 3_000_000L);
                long? total = limitTotal ? totalMbit * 1_000_000L : null;
                IReadOnlyList<string> lines = TrafficShaping.Install("eth0", total, rates);

                string[] filters = lines.Where(l => l.StartsWith("filter", StringComparison.Ordinal)).ToArray();
                string[] classes = lines.Where(l => l.StartsWith("class", StringComparison.Ordinal)).ToArray();
                string[] flowIds = filters.Select(f => f.Split(' ')[^1]).ToArray();
                bool everyDestinationFiltered = rates.Keys.All(a => filters.Count(f => f.Contains($" dst {a}/32 ", StringComparison.Ordinal)) == 1);
                bool everyFlowHasItsClass = flowIds.All(id => classes.Count(c => c.Contains($" parent 1:1 classid {id} ", StringComparison.Ordinal)) == 1);
                long cap = total ?? TrafficShaping.UnlimitedBitsPerSecond;
                bool ratesUnderTotal = classes.All(c => RateOf(c) <= cap);
                return lines[0] == "qdisc add dev eth0 root handle 1: htb default 2"
                    && classes.Length == pairs + 2
                    && flowIds.Distinct().Count() == pairs
                    && everyDestinationFiltered && everyFlowHasItsClass && ratesUnderTotal;
            }).QuickCheckThrowOnFailure();
    }

    [Test]
    public void Nothing_to_shape_means_no_tree()
    {
        Assert.Multiple(() =>
        {
            Assert.That(TrafficShaping.IsUnshaped(null, new Dictionary<IPAddress, long>()), Is.True);
            Assert.That(TrafficShaping.IsUnshaped(1_000_000, new Dictionary<IPAddress, long>()), Is.False);
            Assert.That(TrafficShaping.IsUnshaped(null, new Dictionary<IPAddress, long> { [IPAddress.Loopback] = 1_000_000 }), Is.False);
        });
    }

    [Test]
    public void Burst_holds_whole_gso_packets_and_grows_with_the_rate()
    {
        Assert.Multiple(() =>
        {
            Assert.That(TrafficShaping.BurstBytes(8_000), Is.GreaterThanOrEqualTo(65536));
            Assert.That(TrafficShaping.BurstBytes(10_000_000_000), Is.GreaterThanOrEqualTo(10_000_000_000 / 8 / 1000), "at least a millisecond of traffic");
        });
    }

    [Test]
    public void Window_never_hands_out_more_than_its_capacity()
    {
        // A model: acquisitions that can be served at once are, releases return what was taken; in flight stays within [0, capacity].
        Gen<(bool Acquire, int Amount)> step = Gen.Zip(ArbMap.Default.GeneratorFor<bool>(), Gen.Choose(1, 5000));
        Prop.ForAll(Gen.Choose(1, 4096).ToArbitrary(), step.ListOf().ToArbitrary(), (capacity, steps) =>
        {
            var window = new ByteWindow(capacity);
            var taken = new Queue<int>();
            long model = 0;
            foreach ((bool acquire, int amount) in steps)
            {
                if (acquire && model < capacity)
                {
                    ValueTask<int> got = window.AcquireAsync(amount, CancellationToken.None);
                    if (!got.IsCompletedSuccessfully || got.Result != Math.Min(amount, capacity - model))
                    {
                        return false;
                    }

                    taken.Enqueue(got.Result);
                    model += got.Result;
                }
                else if (!acquire && taken.Count > 0)
                {
                    int back = taken.Dequeue();
                    window.Release(back);
                    model -= back;
                }

                if (window.InFlight != model)
                {
                    return false;
                }
            }

            return true;
        }).QuickCheckThrowOnFailure();
    }

    [Test]
    public async Task Full_window_waits_for_a_release()
    {
        var window = new ByteWindow(100);
        Assert.That(await window.AcquireAsync(500, CancellationToken.None), Is.EqualTo(100));
        ValueTask<int> waiting = window.AcquireAsync(50, CancellationToken.None);
        Assert.That(waiting.IsCompleted, Is.False);

        window.Release(30);

        Assert.That(await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(5)), Is.EqualTo(30));
        Assert.Throws<InvalidOperationException>(() => window.Release(101));
    }

    [Test]
    public void Per_connection_bound_is_cap_over_round_trip()
    {
        Assert.Multiple(() =>
        {
            Assert.That(new RelayOptions { Delay = TimeSpan.FromMilliseconds(50), InFlightCap = 1 << 20 }.PerConnectionBytesPerSecond, Is.EqualTo((1 << 20) / 0.1).Within(1e-6));
            Assert.That(new RelayOptions { Delay = TimeSpan.FromMilliseconds(50) }.PerConnectionBytesPerSecond, Is.EqualTo(double.PositiveInfinity));
            Assert.Throws<ArgumentOutOfRangeException>(() => new RelayOptions { InFlightCap = -1 }.Validate());
        });
    }

    private static long RateOf(string classLine)
    {
        string[] words = classLine.Split(' ');
        string rate = words[Array.IndexOf(words, "rate") + 1];
        return long.Parse(rate[..^3], System.Globalization.CultureInfo.InvariantCulture);
    }
}
