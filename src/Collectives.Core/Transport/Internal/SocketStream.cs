using System.Net.Sockets;

namespace Collectives.Transport.Internal;

/// <summary>The plain-TCP <see cref="IByteStream"/>: straight socket calls, nothing in between.</summary>
internal sealed class SocketStream(Socket socket) : IByteStream
{
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    public ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ValueTask<int> send = socket.SendAsync(data, SocketFlags.None, cancellationToken);
        if (!send.IsCompletedSuccessfully)
        {
            return SendRestAsync(send, data, cancellationToken);
        }

        // Most sends finish synchronously in one call; only the rest pays for a state machine.
        int n = send.Result;
        return n == data.Length ? ValueTask.CompletedTask : SendRestAsync(new ValueTask<int>(n), data, cancellationToken);
    }

    private async ValueTask SendRestAsync(ValueTask<int> pending, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        int n = await pending.ConfigureAwait(false);
        while (true)
        {
            if (n <= 0)
            {
                throw new ConnectionLostException(ErrorCode.RankConnectionLost, "the socket accepted no bytes");
            }

            data = data[n..];
            if (data.IsEmpty)
            {
                return;
            }

            n = await socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Abort() => SocketClose.Abort(socket);

    public void Release() => socket.Dispose();
}
