using System.IO.Compression;
using NUnit.Framework;

namespace Collectives.Native.Tests;

/// <summary><c>dotnet pack</c> of native/Collectives.Native.Runtime.csproj gives the runtime package layout.</summary>
[TestFixture]
[NonParallelizable]
public sealed class PackTests
{
    [Test]
    [CancelAfter(300_000)]
    public async Task PackPutsTheLibraryUnderRuntimesAndTheHeadersUnderBuildNative()
    {
        string library = await NativeArtifacts.LibraryDirectoryAsync();
        string output = Path.Combine(Path.GetTempPath(), $"collectives-pack-{Guid.NewGuid():N}");
        try
        {
            string project = Path.Combine(NativeArtifacts.RepositoryRoot, "native", "Collectives.Native.Runtime.csproj");
            ProcessRunner.Result pack = await ProcessRunner.RunAsync("dotnet", ["pack", project, "-o", output, $"-p:NativeLibDir={library}/"],
                NativeArtifacts.RepositoryRoot, TimeSpan.FromMinutes(4));
            Assert.That(pack.ExitCode, Is.Zero, pack.Output);

            string package = Directory.GetFiles(output, "Collectives.Native.Runtime.*.nupkg").Single();
            using ZipArchive archive = ZipFile.OpenRead(package);
            string[] entries = archive.Entries.Select(e => e.FullName).ToArray();
            Assert.That(entries, Does.Contain("runtimes/linux-x64/native/libcollectives.so"));
            Assert.That(entries, Does.Contain("build/native/include/pccl.h"));
            Assert.That(entries, Does.Contain("build/native/include/ccoip_inet.h"));
            Assert.That(entries.Where(e => e.StartsWith("lib/", StringComparison.Ordinal)), Is.Empty, "no managed assembly in a native package");
            long packedSize = archive.GetEntry("runtimes/linux-x64/native/libcollectives.so")!.Length;
            Assert.That(packedSize, Is.EqualTo(new FileInfo(Path.Combine(library, "libcollectives.so")).Length));
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }
}
