using System.Buffers;
using MessagePack;

namespace Collectives.Protocol.Messages;

internal static partial class ControlMessageCodec
{
    /// <summary>Writes one peer→master message.</summary>
    /// <exception cref="ArgumentException">A list exceeds <paramref name="limits"/> (a bug of the caller); over-long text is truncated instead.</exception>
    public static void Write(IBufferWriter<byte> output, ClientMessage message, ProtocolLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(message);
        limits ??= ProtocolLimits.Default;
        var writer = new MessagePackWriter(output);
        switch (message)
        {
            case Register m:
                writer.WriteArrayHeader(4);
                writer.WriteType(m.Type);
                writer.Write(m.PeerGroup);
                writer.Write(m.P2PPort);
                if (m.AdvertisedAddress is { } address)
                {
                    writer.WriteAddress(address);
                }
                else
                {
                    writer.WriteNil();
                }

                break;
            case ConnectionsEstablished m:
                writer.WriteArrayHeader(3);
                writer.WriteType(m.Type);
                writer.Write(m.Epoch);
                writer.WritePeerIdList(m.UnreachablePeers, limits);
                break;
            case InitiateCollective m:
                writer.WriteArrayHeader(5);
                writer.WriteType(m.Type);
                writer.Write(m.Tag);
                writer.WriteDescriptor(m.Descriptor);
                writer.Write(m.ClaimSeq);
                writer.Write(m.RingFingerprint);
                break;
            case CollectiveComplete m:
                writer.WriteArrayHeader(6);
                writer.WriteType(m.Type);
                writer.Write(m.Tag);
                writer.Write(m.Seq);
                writer.Write(m.Success);
                writer.Write((int)m.ErrorCode);
                writer.WriteReason(m.Reason, limits);
                break;
            case SyncSharedState m:
                writer.WriteArrayHeader(4);
                writer.WriteType(m.Type);
                writer.Write(m.Revision);
                writer.WriteStrategy(m.Strategy);
                writer.WriteSharedStateEntries(m.Entries, limits);
                break;
            case SharedStateTransferDone m:
                writer.WriteArrayHeader(5);
                writer.WriteType(m.Type);
                writer.Write(m.Round);
                writer.Write(m.Success);
                writer.Write((int)m.ErrorCode);
                writer.WriteReason(m.Reason, limits);
                break;
            case BandwidthMeasured m:
                writer.WriteArrayHeader(3);
                writer.WriteType(m.Type);
                writer.Write(m.Round);
                writer.WriteBandwidthSamples(m.Samples, limits);
                break;
            case VoteUpdateTopology or QueryPeersPending or PeerHeartbeat or Leave or OptimizeTopology:
                writer.WriteArrayHeader(1);
                writer.WriteType(message.Type);
                break;
            default:
                throw new ArgumentException($"no encoding for {message.GetType().Name}", nameof(message));
        }

        writer.Flush();
    }

    private static ClientMessage ReadClientBody(ref ControlReader reader, MessageType type, int fields)
    {
        switch (type)
        {
            case MessageType.Register:
                ExpectFields(ref reader, fields, 3);
                return new Register(reader.ReadUInt32("peerGroup"), reader.ReadUInt16("p2pPort"), reader.ReadOptionalAddress("advertisedAddress"));
            case MessageType.ConnectionsEstablished:
                ExpectFields(ref reader, fields, 2);
                return new ConnectionsEstablished(reader.ReadUInt64("epoch"), reader.ReadPeerIdList("unreachablePeers"));
            case MessageType.InitiateCollective:
                ExpectFields(ref reader, fields, 4);
                return new InitiateCollective(reader.ReadUInt64("tag"), reader.ReadDescriptor("descriptor"), reader.ReadUInt64("claimSeq"), reader.ReadUInt64("ringFingerprint"));
            case MessageType.CollectiveComplete:
                ExpectFields(ref reader, fields, 5);
                ulong tag = reader.ReadUInt64("tag");
                ulong seq = reader.ReadUInt64("seq");
                bool success = reader.ReadBoolean("success");
                ErrorCode code = reader.ReadErrorCode("errorCode");
                CheckOutcome(ref reader, success, code);
                return new CollectiveComplete(tag, seq, success, code, reader.ReadReason("reason"));
            case MessageType.SyncSharedState:
                ExpectFields(ref reader, fields, 3);
                return new SyncSharedState(reader.ReadUInt64("revision"), reader.ReadStrategy("strategy"), reader.ReadSharedStateEntries("entries"));
            case MessageType.SharedStateTransferDone:
            {
                ExpectFields(ref reader, fields, 4);
                ulong round = reader.ReadUInt64("round");
                bool ok = reader.ReadBoolean("success");
                ErrorCode errorCode = reader.ReadErrorCode("errorCode");
                CheckOutcome(ref reader, ok, errorCode);
                return new SharedStateTransferDone(round, ok, errorCode, reader.ReadReason("reason"));
            }

            case MessageType.BandwidthMeasured:
                ExpectFields(ref reader, fields, 2);
                return new BandwidthMeasured(reader.ReadUInt64("round"), reader.ReadBandwidthSamples("samples"));
            case MessageType.OptimizeTopology:
                ExpectFields(ref reader, fields, 0);
                return new OptimizeTopology();
            case MessageType.VoteUpdateTopology:
                ExpectFields(ref reader, fields, 0);
                return new VoteUpdateTopology();
            case MessageType.QueryPeersPending:
                ExpectFields(ref reader, fields, 0);
                return new QueryPeersPending();
            case MessageType.PeerHeartbeat:
                ExpectFields(ref reader, fields, 0);
                return new PeerHeartbeat();
            case MessageType.Leave:
                ExpectFields(ref reader, fields, 0);
                return new Leave();
            default:
                throw reader.Violation($"message type {(int)type} is not implemented");
        }
    }

    /// <summary>An outcome is either a success with <see cref="ErrorCode.Success"/> or a failure with another code.</summary>
    private static void CheckOutcome(ref ControlReader reader, bool success, ErrorCode code)
    {
        if (success != (code == ErrorCode.Success))
        {
            throw reader.Violation($"success={success} contradicts error code {code}");
        }
    }
}
