using System.Security.Cryptography;
using System.Text;

namespace Collectives.Transport;

/// <summary>
/// The shared secret of a run. Every connection proves knowledge of it in the handshake (HMAC-SHA256 over fresh
/// nonces from both sides); the secret itself never travels. Printing it shows nothing.
/// </summary>
public sealed class RunSecret
{
    /// <summary>The environment variable read by <see cref="FromEnvironment"/>.</summary>
    public const string EnvironmentVariable = "COLLECTIVES_SECRET";

    private RunSecret(byte[] key) => Key = key;

    internal byte[] Key { get; }

    /// <summary>A secret from raw bytes (at least 16).</summary>
    /// <exception cref="ArgumentException">Fewer than 16 bytes: too easy to guess.</exception>
    public static RunSecret FromBytes(ReadOnlySpan<byte> key)
    {
        if (key.Length < 16)
        {
            throw new ArgumentException("a run secret needs at least 16 bytes", nameof(key));
        }

        return new RunSecret(key.ToArray());
    }

    /// <summary>A secret from a passphrase (its UTF-8 bytes, hashed to 32 bytes so any length works).</summary>
    /// <exception cref="ArgumentException">Empty passphrase.</exception>
    public static RunSecret FromPassphrase(string passphrase)
    {
        ArgumentException.ThrowIfNullOrEmpty(passphrase);
        return new RunSecret(SHA256.HashData(Encoding.UTF8.GetBytes(passphrase)));
    }

    /// <summary>A secret from the contents of a file (trailing newlines ignored).</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="ArgumentException">The file is empty.</exception>
    public static RunSecret FromFile(string path) => FromPassphrase(File.ReadAllText(path).TrimEnd('\r', '\n'));

    /// <summary>The secret in <see cref="EnvironmentVariable"/>, or null when it is not set.</summary>
    public static RunSecret? FromEnvironment() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value ? FromPassphrase(value) : null;

    /// <inheritdoc />
    public override string ToString() => "(run secret)";
}
