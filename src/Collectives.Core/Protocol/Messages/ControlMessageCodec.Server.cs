using System.Buffers;
using MessagePack;

namespace Collectives.Protocol.Messages;

internal static partial class ControlMessageCodec
{
    /// <summary>Writes one master→peer message.</summary>
    /// <exception cref="ArgumentException">A list exceeds <paramref name="limits"/> (a bug of the caller); over-long text is truncated instead.</exception>
    public static void Write(IBufferWriter<byte> output, ServerMessage message, ProtocolLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(message);
        limits ??= ProtocolLimits.Default;
        var writer = new MessagePackWriter(output);
        switch (message)
        {
            case Registered m:
                writer.WriteArrayHeader(3);
                writer.WriteType(m.Type);
                writer.WritePeerId(m.PeerId);
                writer.Write(m.AcceptedImmediately);
                break;
            case EstablishConnections m:
                writer.WriteArrayHeader(3);
                writer.WriteType(m.Type);
                writer.Write(m.Epoch);
                writer.WritePeerInfoList(m.Ring, limits);
                break;
            case TopologyUpdated m:
                writer.WriteArrayHeader(4);
                writer.WriteType(m.Type);
                writer.Write(m.Epoch);
                writer.WriteWorldSizes(m.WorldSizes);
                writer.WritePeerIdList(m.Ring, limits);
                break;
            case TopologyUpdateFailed m:
                writer.WriteArrayHeader(3);
                writer.WriteType(m.Type);
                writer.Write((int)m.ErrorCode);
                writer.WriteReason(m.Reason, limits);
                break;
            case PeersPendingAnswer m:
                writer.WriteArrayHeader(2);
                writer.WriteType(m.Type);
                writer.Write(m.Pending);
                break;
            case MembershipChanged m:
                writer.WriteArrayHeader(3);
                writer.WriteType(m.Type);
                writer.WriteWorldSizes(m.WorldSizes);
                writer.WritePeerInfoList(m.Ring, limits);
                break;
            case CommenceCollective m:
                writer.WriteArrayHeader(4);
                writer.WriteType(m.Type);
                writer.Write(m.Tag);
                writer.Write(m.Seq);
                writer.WritePeerIdList(m.Ring, limits);
                break;
            case CollectiveVerdict m:
                writer.WriteArrayHeader(9);
                writer.WriteType(m.Type);
                writer.Write(m.Tag);
                writer.Write(m.Seq);
                writer.Write(m.Success);
                writer.Write((int)m.ErrorCode);
                writer.WriteReason(m.Reason, limits);
                writer.Write(m.Ticket.Tag);
                writer.Write(m.Ticket.Seq);
                writer.Write(m.Ticket.RingFingerprint);
                break;
            case Kicked m:
                writer.WriteArrayHeader(3);
                writer.WriteType(m.Type);
                writer.Write((int)m.ErrorCode);
                writer.WriteReason(m.Reason, limits);
                break;
            case SharedStateDecision m:
                writer.WriteArrayHeader(5);
                writer.WriteType(m.Type);
                writer.Write(m.Round);
                writer.Write(m.Revision);
                writer.Write(m.IsDonor);
                writer.WriteTransfers(m.Transfers, limits);
                break;
            case SharedStateSyncFailed m:
                writer.WriteArrayHeader(4);
                writer.WriteType(m.Type);
                writer.Write(m.Round);
                writer.Write((int)m.ErrorCode);
                writer.WriteReason(m.Reason, limits);
                break;
            case SharedStateSyncComplete m:
                writer.WriteArrayHeader(5);
                writer.WriteType(m.Type);
                writer.Write(m.Round);
                writer.Write(m.Success);
                writer.Write((int)m.ErrorCode);
                writer.WriteReason(m.Reason, limits);
                break;
            case MeasureBandwidth m:
                writer.WriteArrayHeader(5);
                writer.WriteType(m.Type);
                writer.Write(m.Round);
                writer.Write(m.DurationMilliseconds);
                writer.Write(m.Connections);
                writer.WritePeerInfoList(m.Targets, limits);
                break;
            case TopologyOptimized m:
                writer.WriteArrayHeader(6);
                writer.WriteType(m.Type);
                writer.Write(m.Epoch);
                writer.WriteWorldSizes(m.WorldSizes);
                writer.WritePeerIdList(m.Ring, limits);
                writer.Write(m.MeasuredLinks);
                writer.Write(m.BottleneckBytesPerSecond);
                break;
            case TopologyOptimizationFailed m:
                writer.WriteArrayHeader(3);
                writer.WriteType(m.Type);
                writer.Write((int)m.ErrorCode);
                writer.WriteReason(m.Reason, limits);
                break;
            case MasterHeartbeat:
                writer.WriteArrayHeader(1);
                writer.WriteType(message.Type);
                break;
            default:
                throw new ArgumentException($"no encoding for {message.GetType().Name}", nameof(message));
        }

        writer.Flush();
    }

    private static ServerMessage ReadServerBody(ref ControlReader reader, MessageType type, int fields)
    {
        switch (type)
        {
            case MessageType.Registered:
                ExpectFields(ref reader, fields, 2);
                return new Registered(reader.ReadPeerId("peerId"), reader.ReadBoolean("acceptedImmediately"));
            case MessageType.EstablishConnections:
                ExpectFields(ref reader, fields, 2);
                return new EstablishConnections(reader.ReadUInt64("epoch"), reader.ReadPeerInfoList("ring"));
            case MessageType.TopologyUpdated:
                ExpectFields(ref reader, fields, 3);
                return new TopologyUpdated(reader.ReadUInt64("epoch"), reader.ReadWorldSizes("worldSizes"), reader.ReadPeerIdList("ring"));
            case MessageType.TopologyUpdateFailed:
                ExpectFields(ref reader, fields, 2);
                return new TopologyUpdateFailed(reader.ReadErrorCode("errorCode"), reader.ReadReason("reason"));
            case MessageType.PeersPendingAnswer:
                ExpectFields(ref reader, fields, 1);
                return new PeersPendingAnswer(reader.ReadBoolean("pending"));
            case MessageType.MembershipChanged:
                ExpectFields(ref reader, fields, 2);
                return new MembershipChanged(reader.ReadWorldSizes("worldSizes"), reader.ReadPeerInfoList("ring"));
            case MessageType.CommenceCollective:
                ExpectFields(ref reader, fields, 3);
                return new CommenceCollective(reader.ReadUInt64("tag"), reader.ReadUInt64("seq"), reader.ReadPeerIdList("ring"));
            case MessageType.CollectiveVerdict:
                ExpectFields(ref reader, fields, 8);
                ulong tag = reader.ReadUInt64("tag");
                ulong seq = reader.ReadUInt64("seq");
                bool success = reader.ReadBoolean("success");
                ErrorCode code = reader.ReadErrorCode("errorCode");
                CheckOutcome(ref reader, success, code);
                string reason = reader.ReadReason("reason");
                var ticket = new CollectiveTicket(reader.ReadUInt64("ticketTag"), reader.ReadUInt64("ticketSeq"), reader.ReadUInt64("ticketRing"));
                return new CollectiveVerdict(tag, seq, success, code, reason, ticket);
            case MessageType.Kicked:
                ExpectFields(ref reader, fields, 2);
                return new Kicked(reader.ReadErrorCode("errorCode"), reader.ReadReason("reason"));
            case MessageType.SharedStateDecision:
                ExpectFields(ref reader, fields, 4);
                return new SharedStateDecision(
                    reader.ReadUInt64("round"), reader.ReadUInt64("revision"), reader.ReadBoolean("isDonor"), reader.ReadTransfers("transfers"));
            case MessageType.SharedStateSyncFailed:
            {
                ExpectFields(ref reader, fields, 3);
                ulong round = reader.ReadUInt64("round");
                ErrorCode failure = reader.ReadErrorCode("errorCode");
                if (failure == ErrorCode.Success)
                {
                    throw reader.Violation("a failed sync cannot carry error code Success");
                }

                return new SharedStateSyncFailed(round, failure, reader.ReadReason("reason"));
            }

            case MessageType.SharedStateSyncComplete:
            {
                ExpectFields(ref reader, fields, 4);
                ulong round = reader.ReadUInt64("round");
                bool ok = reader.ReadBoolean("success");
                ErrorCode errorCode = reader.ReadErrorCode("errorCode");
                CheckOutcome(ref reader, ok, errorCode);
                return new SharedStateSyncComplete(round, ok, errorCode, reader.ReadReason("reason"));
            }

            case MessageType.MeasureBandwidth:
                ExpectFields(ref reader, fields, 4);
                return new MeasureBandwidth(
                    reader.ReadUInt64("round"), reader.ReadProbeDuration("durationMilliseconds"), reader.ReadProbeConnections("connections"),
                    reader.ReadPeerInfoList("targets"));
            case MessageType.TopologyOptimized:
                ExpectFields(ref reader, fields, 5);
                return new TopologyOptimized(
                    reader.ReadUInt64("epoch"), reader.ReadWorldSizes("worldSizes"), reader.ReadPeerIdList("ring"),
                    reader.ReadUInt32("measuredLinks"), reader.ReadBottleneck("bottleneckBytesPerSecond"));
            case MessageType.TopologyOptimizationFailed:
            {
                ExpectFields(ref reader, fields, 2);
                ErrorCode failure = reader.ReadErrorCode("errorCode");
                if (failure == ErrorCode.Success)
                {
                    throw reader.Violation("a failed optimisation cannot carry error code Success");
                }

                return new TopologyOptimizationFailed(failure, reader.ReadReason("reason"));
            }

            case MessageType.MasterHeartbeat:
                ExpectFields(ref reader, fields, 0);
                return new MasterHeartbeat();
            default:
                throw reader.Violation($"message type {(int)type} is not implemented");
        }
    }
}
