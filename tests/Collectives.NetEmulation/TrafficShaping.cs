using System.Globalization;
using System.Net;

namespace Collectives.NetEmulation;

/// <summary>
/// The <c>tc</c> commands that shape one host's egress: an htb tree whose root class carries the host's total rate,
/// a default class for traffic to unlisted destinations, and one class per rate-limited destination, selected by a
/// u32 filter on the destination address. Pure: the caller runs the lines.
/// </summary>
internal static class TrafficShaping
{
    /// <summary>Stands for "no limit" inside the tree: far above what a veth pair moves on this kind of machine.</summary>
    internal const long UnlimitedBitsPerSecond = 100_000_000_000;

    // Deficit round robin between classes; above the largest veth GSO packet so one dequeue moves a whole packet.
    private const int Quantum = 65536;

    /// <summary>True when the host needs no qdisc at all.</summary>
    public static bool IsUnshaped(long? egressBitsPerSecond, IReadOnlyDictionary<IPAddress, long> pairRates) =>
        egressBitsPerSecond is null && pairRates.Count == 0;

    /// <summary>
    /// Commands that install the tree on <paramref name="device"/> (which must have no root qdisc of ours yet).
    /// Classes of rate-limited destinations are numbered from 1:10 in the order of their addresses.
    /// </summary>
    public static IReadOnlyList<string> Install(string device, long? egressBitsPerSecond, IReadOnlyDictionary<IPAddress, long> pairRates)
    {
        long total = egressBitsPerSecond ?? UnlimitedBitsPerSecond;
        var lines = new List<string>
        {
            $"qdisc add dev {device} root handle 1: htb default 2",
            Class(device, "1:", "1:1", total),
            Class(device, "1:1", "1:2", total),
        };
        int minor = 0x10;
        foreach ((IPAddress destination, long rate) in pairRates.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
        {
            string classId = "1:" + minor.ToString("x", CultureInfo.InvariantCulture);
            lines.Add(Class(device, "1:1", classId, Math.Min(rate, total)));
            lines.Add($"filter add dev {device} parent 1: protocol ip prio 1 u32 match ip dst {destination}/32 flowid {classId}");
            minor++;
        }

        return lines;
    }

    /// <summary>The command that removes the tree (and with it every class and filter).</summary>
    public static string Remove(string device) => $"qdisc del dev {device} root";

    /// <summary>
    /// Bucket depth: at least a few GSO packets (a veth hands over up to 64 KiB at once, and a bucket shallower than one
    /// packet stalls it), and about 5 ms of traffic at high rates so timer granularity does not cap the rate.
    /// </summary>
    internal static long BurstBytes(long bitsPerSecond) => Math.Max(3 * 65536, bitsPerSecond / 8 / 200);

    private static string Class(string device, string parent, string classId, long bitsPerSecond)
    {
        long burst = BurstBytes(bitsPerSecond);
        return string.Create(CultureInfo.InvariantCulture,
            $"class add dev {device} parent {parent} classid {classId} htb rate {bitsPerSecond}bit ceil {bitsPerSecond}bit burst {burst}b cburst {burst}b quantum {Quantum}");
    }
}
