namespace Collectives.NetEmulation;

/// <summary>Setting up or tearing down the emulated network failed (an <c>ip</c>/<c>tc</c> command, a namespace).</summary>
public sealed class NetEmulationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NetEmulationException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public NetEmulationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public NetEmulationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
