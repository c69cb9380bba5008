using System.Text;

namespace Collectives.Master.Tests;

[TestFixture]
public sealed class RunSecretTests
{
    private string _path = string.Empty;

    [SetUp]
    public void CreatePath() => _path = Path.Combine(Path.GetTempPath(), $"collectives-secret-test-{Guid.NewGuid():N}");

    [TearDown]
    public void DeleteFile() => File.Delete(_path);

    [Test]
    public void A_missing_file_is_refused()
    {
        Assert.That(SecretFile.TryLoad(_path, out _, out string? error), Is.False);
        Assert.That(error, Does.Contain("does not exist"));
    }

    [TestCase("")]
    [TestCase("\n")]
    [TestCase("\r\n\n")]
    public void An_empty_file_is_refused(string content)
    {
        File.WriteAllText(_path, content);

        Assert.That(SecretFile.TryLoad(_path, out _, out string? error), Is.False);
        Assert.That(error, Does.Contain("is empty"));
    }

    [Test]
    public void A_file_too_large_for_a_key_is_refused()
    {
        File.WriteAllBytes(_path, new byte[SecretFile.MaximumBytes + 1]);

        Assert.That(SecretFile.TryLoad(_path, out _, out string? error), Is.False);
        Assert.That(error, Does.Contain("at most"));
    }

    [TestCase("s3cret", "s3cret")]
    [TestCase("s3cret\n", "s3cret")]
    [TestCase("s3cret\r\n", "s3cret")]
    [TestCase(" two words \n", " two words ")]
    public void Keeps_the_bytes_without_trailing_line_ends(string content, string key)
    {
        File.WriteAllText(_path, content);

        Assert.That(SecretFile.TryLoad(_path, out SecretFile? secret, out string? error), Is.True, error);
        Assert.That(Encoding.UTF8.GetString(secret!.Key), Is.EqualTo(key));
        Assert.That(secret.Length, Is.EqualTo(Encoding.UTF8.GetByteCount(key)));
    }

    [Test]
    public void Tells_when_others_can_read_the_file()
    {
        File.WriteAllText(_path, "s3cret");
        File.SetUnixFileMode(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.That(SecretFile.TryLoad(_path, out SecretFile? owned, out _), Is.True);
        Assert.That(owned!.ReadableByOthers, Is.False);

        File.SetUnixFileMode(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        Assert.That(SecretFile.TryLoad(_path, out SecretFile? shared, out _), Is.True);
        Assert.That(shared!.ReadableByOthers, Is.True);
    }
}
