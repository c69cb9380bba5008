using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Collectives.Transport.Internal;

/// <summary>
/// The four-message handshake at the start of every connection:
/// hello (+ client nonce) → reply (+ server nonce, server proof) → client proof → verdict.
/// A proof is HMAC-SHA256(secret, role ‖ version ‖ purpose ‖ both ids ‖ pool ‖ slot ‖ both nonces); without a secret it
/// is all zeros. Both sides check the other's proof, so each knows the other holds the secret, the secret never
/// travels, and a captured handshake cannot be replayed (the other side's nonce is fresh every time).
/// </summary>
internal static class HandshakeExchange
{
    public const int NonceSize = 32;
    public const int ProofSize = 32;
    private const int HelloPayload = HandshakeHello.Size + NonceSize;
    private const int ReplyPayload = HandshakeReply.Size + NonceSize + ProofSize;

    /// <summary>Dialling side over a plain socket (tests that play a hostile peer).</summary>
    public static Task<Guid> RunClientAsync(Socket socket, BufferedReceiver receiver, HandshakeHello hello, RunSecret? secret,
        ErrorCode failureCode, string remote, CancellationToken token) =>
        RunClientAsync(new SocketStream(socket), receiver, hello, secret, failureCode, remote, token);

    /// <summary>Dialling side. Returns the responder's id.</summary>
    /// <exception cref="ConnectionLostException">Refused or authentication failed (code <see cref="ErrorCode.AuthenticationFailed"/> for the latter).</exception>
    public static async Task<Guid> RunClientAsync(IByteStream stream, BufferedReceiver receiver, HandshakeHello hello, RunSecret? secret,
        ErrorCode failureCode, string remote, CancellationToken token)
    {
        byte[] clientNonce = RandomNumberGenerator.GetBytes(NonceSize);
        byte[] helloFrame = new byte[FrameHeader.Size + HelloPayload];
        new FrameHeader(FrameKind.Handshake, 0, HelloPayload, 0, 0, 0).Write(helloFrame);
        hello.Write(helloFrame.AsSpan(FrameHeader.Size));
        clientNonce.CopyTo(helloFrame, FrameHeader.Size + HandshakeHello.Size);
        await SendAsync(stream, helloFrame, token).ConfigureAwait(false);

        byte[] reply = await ReadFrameAsync(receiver, ReplyPayload, token).ConfigureAwait(false);
        HandshakeReply header = HandshakeReply.Read(reply.AsSpan(0, HandshakeReply.Size));
        if (header.Status != HandshakeStatus.Accepted)
        {
            throw new ConnectionLostException(header.Status == HandshakeStatus.AuthenticationFailed ? ErrorCode.AuthenticationFailed : failureCode,
                $"{remote} refused the {hello.Purpose} connection: {header.Status} (our protocol {hello.ProtocolVersion}, theirs {header.ProtocolVersion})");
        }

        ReadOnlySpan<byte> serverNonce = reply.AsSpan(HandshakeReply.Size, NonceSize);
        ReadOnlySpan<byte> serverProof = reply.AsSpan(HandshakeReply.Size + NonceSize, ProofSize);
        Span<byte> expected = stackalloc byte[ProofSize];
        Prove(secret, "collectives/server", hello, header.ResponderId, clientNonce, serverNonce, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, serverProof))
        {
            throw new ConnectionLostException(ErrorCode.AuthenticationFailed, secret is null
                ? $"{remote} requires a run secret and this peer has none"
                : $"{remote} could not prove knowledge of the run secret");
        }

        byte[] proofFrame = new byte[FrameHeader.Size + ProofSize];
        new FrameHeader(FrameKind.Handshake, 0, ProofSize, 0, 0, 0).Write(proofFrame);
        Prove(secret, "collectives/client", hello, header.ResponderId, clientNonce, serverNonce, proofFrame.AsSpan(FrameHeader.Size));
        await SendAsync(stream, proofFrame, token).ConfigureAwait(false);

        byte[] verdict = await ReadFrameAsync(receiver, 1, token).ConfigureAwait(false);
        if ((HandshakeStatus)verdict[0] != HandshakeStatus.Accepted)
        {
            throw new ConnectionLostException(ErrorCode.AuthenticationFailed,
                $"{remote} refused our proof of the run secret ({(HandshakeStatus)verdict[0]})");
        }

        return header.ResponderId;
    }

    /// <summary>Accepting side. Returns the hello when the caller is accepted and authenticated, null when refused (after telling it).</summary>
    /// <exception cref="ProtocolViolationException">Malformed handshake.</exception>
    public static async Task<(HandshakeHello Hello, HandshakeStatus Status)> RunServerAsync(IByteStream stream, BufferedReceiver receiver, Guid localId,
        int protocolVersion, RunSecret? secret, Func<HandshakeHello, HandshakeStatus> check, CancellationToken token)
    {
        byte[] helloPayload = await ReadFrameAsync(receiver, HelloPayload, token).ConfigureAwait(false);
        HandshakeHello hello = HandshakeHello.Read(helloPayload.AsSpan(0, HandshakeHello.Size));
        ReadOnlyMemory<byte> clientNonce = helloPayload.AsMemory(HandshakeHello.Size, NonceSize);
        HandshakeStatus status = hello.ProtocolVersion != protocolVersion ? HandshakeStatus.VersionMismatch : check(hello);

        byte[] serverNonce = RandomNumberGenerator.GetBytes(NonceSize);
        byte[] replyFrame = new byte[FrameHeader.Size + ReplyPayload];
        new FrameHeader(FrameKind.Handshake, 0, ReplyPayload, 0, 0, 0).Write(replyFrame);
        new HandshakeReply(protocolVersion, status, localId).Write(replyFrame.AsSpan(FrameHeader.Size));
        serverNonce.CopyTo(replyFrame, FrameHeader.Size + HandshakeReply.Size);
        Prove(secret, "collectives/server", hello, localId, clientNonce.Span, serverNonce,
            replyFrame.AsSpan(FrameHeader.Size + HandshakeReply.Size + NonceSize, ProofSize));
        await SendAsync(stream, replyFrame, token).ConfigureAwait(false);
        if (status != HandshakeStatus.Accepted)
        {
            return (hello, status);
        }

        byte[] clientProof = await ReadFrameAsync(receiver, ProofSize, token).ConfigureAwait(false);
        status = Verify(secret, hello, localId, clientNonce.Span, serverNonce, clientProof) ? HandshakeStatus.Accepted : HandshakeStatus.AuthenticationFailed;

        byte[] verdictFrame = new byte[FrameHeader.Size + 1];
        new FrameHeader(FrameKind.Handshake, 0, 1, 0, 0, 0).Write(verdictFrame);
        verdictFrame[FrameHeader.Size] = (byte)status;
        await SendAsync(stream, verdictFrame, token).ConfigureAwait(false);
        return (hello, status);
    }

    private static bool Verify(RunSecret? secret, HandshakeHello hello, Guid responder, ReadOnlySpan<byte> clientNonce, ReadOnlySpan<byte> serverNonce,
        ReadOnlySpan<byte> clientProof)
    {
        Span<byte> expected = stackalloc byte[ProofSize];
        Prove(secret, "collectives/client", hello, responder, clientNonce, serverNonce, expected);
        return CryptographicOperations.FixedTimeEquals(expected, clientProof);
    }

    private static void Prove(RunSecret? secret, string role, HandshakeHello hello, Guid responder,
        ReadOnlySpan<byte> clientNonce, ReadOnlySpan<byte> serverNonce, Span<byte> proof)
    {
        if (secret is null)
        {
            proof.Clear();
            return;
        }

        Span<byte> transcript = stackalloc byte[64 + 2 + 1 + 16 + 16 + 8 + 2 + NonceSize + NonceSize];
        transcript.Clear();
        System.Text.Encoding.ASCII.GetBytes(role, transcript);
        int at = 64;
        BinaryPrimitives.WriteUInt16LittleEndian(transcript[at..], (ushort)hello.ProtocolVersion);
        transcript[at + 2] = (byte)hello.Purpose;
        hello.SenderId.TryWriteBytes(transcript[(at + 3)..]);
        responder.TryWriteBytes(transcript[(at + 19)..]);
        BinaryPrimitives.WriteUInt64LittleEndian(transcript[(at + 35)..], hello.PoolId);
        BinaryPrimitives.WriteUInt16LittleEndian(transcript[(at + 43)..], hello.Slot);
        clientNonce.CopyTo(transcript[(at + 45)..]);
        serverNonce.CopyTo(transcript[(at + 45 + NonceSize)..]);
        HMACSHA256.HashData(secret.Key, transcript, proof);
    }

    private static async Task<byte[]> ReadFrameAsync(BufferedReceiver receiver, int payloadSize, CancellationToken token)
    {
        byte[] header = new byte[FrameHeader.Size];
        await receiver.ReadExactlyAsync(header, token).ConfigureAwait(false);
        FrameHeader frame = FrameHeader.Read(header, (uint)payloadSize);
        if (frame.Kind != FrameKind.Handshake || frame.PayloadLength != payloadSize)
        {
            throw new ProtocolViolationException($"expected a {payloadSize}-byte handshake message, got a {frame.Kind} frame of {frame.PayloadLength} bytes");
        }

        byte[] payload = new byte[payloadSize];
        await receiver.ReadExactlyAsync(payload, token).ConfigureAwait(false);
        return payload;
    }

    private static ValueTask SendAsync(IByteStream stream, byte[] data, CancellationToken token) => stream.SendAsync(data, token);
}
