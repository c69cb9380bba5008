using System.Diagnostics.CodeAnalysis;

namespace Collectives.Master;

/// <summary>
/// The run's shared secret as read from <c>--secret-file</c>: checked for usability here, then handed to the library
/// (<see cref="Collectives.Transport.RunSecret"/>), which makes every connection prove knowledge of it. Peers use
/// the same file (<c>RunSecret.FromFile</c>) or its content in <c>COLLECTIVES_SECRET</c>.
/// </summary>
internal sealed class SecretFile
{
    /// <summary>A secret is a short key; a larger file is almost certainly the wrong file.</summary>
    public const int MaximumBytes = 64 << 10;

    private readonly byte[] _bytes;

    private SecretFile(string path, byte[] bytes, bool readableByOthers)
    {
        Path = path;
        _bytes = bytes;
        ReadableByOthers = readableByOthers;
    }

    /// <summary>The file it came from.</summary>
    public string Path { get; }

    /// <summary>The key's length in bytes (the bytes themselves are never logged).</summary>
    public int Length => _bytes.Length;

    /// <summary>The key bytes (never logged).</summary>
    public ReadOnlySpan<byte> Key => _bytes;

    /// <summary>The library's secret: the file's text as a passphrase, exactly as <c>RunSecret.FromFile</c> reads it on peers.</summary>
    public Collectives.Transport.RunSecret ToRunSecret() =>
        Collectives.Transport.RunSecret.FromPassphrase(System.Text.Encoding.UTF8.GetString(_bytes));

    /// <summary>The file's permissions let users other than its owner read it.</summary>
    public bool ReadableByOthers { get; }

    /// <summary>
    /// Reads the secret. The file's bytes are the key, except trailing line ends, which editors and <c>echo</c> add and
    /// which would otherwise make two "identical" secret files disagree.
    /// </summary>
    public static bool TryLoad(string path, [NotNullWhen(true)] out SecretFile? secret, [NotNullWhen(false)] out string? error)
    {
        secret = null;
        if (!File.Exists(path))
        {
            error = $"secret file '{path}' does not exist";
            return false;
        }

        byte[] bytes;
        try
        {
            long size = new FileInfo(path).Length;
            if (size > MaximumBytes)
            {
                error = $"secret file '{path}' is {size} bytes; a secret is a short key of at most {MaximumBytes} bytes";
                return false;
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"secret file '{path}' cannot be read: {e.Message}";
            return false;
        }

        int length = bytes.Length;
        while (length > 0 && bytes[length - 1] is (byte)'\n' or (byte)'\r')
        {
            length--;
        }

        if (length == 0)
        {
            error = $"secret file '{path}' is empty";
            return false;
        }

        secret = new SecretFile(path, bytes[..length], IsReadableByOthers(path));
        error = null;
        return true;
    }

    private static bool IsReadableByOthers(string path) =>
        !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0;
}
