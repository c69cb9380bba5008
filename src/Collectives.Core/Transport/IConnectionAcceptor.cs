namespace Collectives.Transport;

/// <summary>What a <see cref="TransportListener"/> does with incoming connections.</summary>
public interface IConnectionAcceptor
{
    /// <summary>Decides whether to take a connection, from its handshake alone.</summary>
    HandshakeStatus Check(HandshakeHello hello);

    /// <summary>Takes ownership of an accepted connection (not started yet).</summary>
    void OnConnected(FramedConnection connection);

    /// <summary>A handshake was refused (wrong version, purpose or secret); for logging. The socket is closed after.</summary>
    void OnRefused(HandshakeHello hello, HandshakeStatus status, System.Net.EndPoint? remote)
    {
    }
}
