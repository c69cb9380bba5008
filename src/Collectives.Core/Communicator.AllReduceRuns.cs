using System.Buffers;
using Collectives.Algorithms;
using Collectives.Membership;
using Collectives.Protocol;
using Collectives.Quantization;

namespace Collectives;

public sealed partial class Communicator
{
    /// <summary>
    /// Builds this peer's part of a commenced all-reduce: the algorithm (<see cref="AllReducePlan"/>), its scratch
    /// (rented for the operation, returned when the call ends) and the link slots it will send on, by rank.
    /// </summary>
    private (CollectiveRun Run, LinkSlot?[] Slots) CreateRun(CollectiveOperation operation, ulong sequence, PeerId[] ring, int rank)
    {
        int world = ring.Length;
        CollectiveDescriptor descriptor = operation.Descriptor;
        DataType type = descriptor.DataType;
        var quantization = new QuantizationOptions(descriptor.Quantization, descriptor.QuantizedType);
        Memory<byte> accumulator = operation.Receive;
        if (DataTypes.AccumulatorOf(type) != type)
        {
            long bytes = checked((long)descriptor.Count * DataTypes.SizeOf(DataTypes.AccumulatorOf(type)));
            operation.AccumulatorScratch = ArrayPool<byte>.Shared.Rent((int)Math.Max(1, bytes));
            accumulator = operation.AccumulatorScratch.AsMemory(0, (int)bytes);
        }

        var slots = new LinkSlot?[world];
        if (AllReducePlan.Choose(operation.Send.Length, world, quantization.IsEnabled) == AllReduceAlgorithm.Direct)
        {
            for (int r = 0; r < world; r++)
            {
                slots[r] = r == rank ? null : new LinkSlot();
            }

            int gatherBytes = checked(operation.Send.Length * world);
            operation.WireScratch = ArrayPool<byte>.Shared.Rent(gatherBytes);
            var direct = new DirectAllReduce(operation.Tag, sequence, type, descriptor.Op, rank, world, operation.Send, operation.Receive,
                slots, ring.Select(p => p.ToGuid()).ToArray());
            return (new DirectAllReduceRun(direct, accumulator, operation.WireScratch.AsMemory(0, gatherBytes)), slots);
        }

        var next = new LinkSlot();
        if (world > 1)
        {
            slots[(rank + 1) % world] = next;
        }

        PeerId previous = ring[(rank + world - 1) % world];
        var description = new AllReduceRun(operation.Tag, sequence, (long)descriptor.Count, type, descriptor.Op, rank, world,
            operation.Send, operation.Receive, operation.InPlace, next, previous.ToGuid(), Math.Min(_options.PieceBytes, _options.Transport.StripeSize));
        RingRun run = quantization.IsEnabled
            ? new QuantizedRingRun(description, quantization, accumulator, bytes =>
            {
                operation.WireScratch = ArrayPool<byte>.Shared.Rent((int)Math.Max(1, bytes));
                return operation.WireScratch.AsMemory(0, (int)bytes);
            })
            : new PlainRingRun(description, accumulator);
        return (run, slots);
    }

    /// <summary>Points a slot at the (cached, pooled) link to <paramref name="peer"/>, dialling it if needed.</summary>
    private async Task ConnectSlotAsync(LinkSlot slot, PeerId peer)
    {
        PeerEndpoint endpoint;
        lock (_gate)
        {
            if (!_endpoints.TryGetValue(peer, out endpoint))
            {
                throw new CollectivesException(ErrorCode.RankConnectionFailed, $"no address known for peer {peer}");
            }
        }

        slot.Target = await _links.GetAsync(peer, endpoint).ConfigureAwait(false);
    }
}
