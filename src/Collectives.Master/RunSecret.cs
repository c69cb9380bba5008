using System.Diagnostics.CodeAnalysis;

namespace Collectives.Master;

/// <summary>
/// The run's shared secret as read from <c>--secret-file</c>. NOT ENFORCED YET: the library has no authentication
/// (SPEC §8 comes in a later release), so the master only checks that the file is usable and keeps the bytes here
/// for the day it can prove peers know them. Nothing may describe a run as authenticated because of this.
/// </summary>
internal sealed class RunSecret
{
    /// <summary>A secret is a short key; a larger file is almost certainly the wrong file.</summary>
    public const int MaximumBytes = 64 << 10;

    private readonly byte[] _bytes;

    private RunSecret(string path, byte[] bytes, bool readableByOthers)
    {
        Path = path;
        _bytes = bytes;
        ReadableByOthers = readableByOthers;
    }

    /// <summary>The file it came from.</summary>
    public string Path { get; }

    /// <summary>The key's length in bytes (the bytes themselves are never logged).</summary>
    public int Length => _bytes.Length;

    /// <summary>The key, for the authentication of a later release.</summary>
    public ReadOnlySpan<byte> Key => _bytes;

    /// <summary>The file's permissions let users other than its owner read it.</summary>
    public bool ReadableByOthers { get; }

    /// <summary>
    /// Reads the secret. The file's bytes are the key, except trailing line ends, which editors and <c>echo</c> add and
    /// which would otherwise make two "identical" secret files disagree.
    /// </summary>
    public static bool TryLoad(string path, [NotNullWhen(true)] out RunSecret? secret, [NotNullWhen(false)] out string? error)
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

        secret = new RunSecret(path, bytes[..length], IsReadableByOthers(path));
        error = null;
        return true;
    }

    private static bool IsReadableByOthers(string path) =>
        !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0;
}
