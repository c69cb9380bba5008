using System.Reflection;
using System.Runtime.InteropServices;
using Collectives.Interop;
using NUnit.Framework;

namespace Collectives.Native.Tests;

/// <summary>Points the <see cref="NativeMethods"/> bindings at the library under test, once per test run.</summary>
[SetUpFixture]
public sealed class NativeLibrarySetup
{
    private static string? s_libraryPath;

    [OneTimeSetUp]
    public async Task ResolveLibraryAsync()
    {
        string directory = await NativeArtifacts.LibraryDirectoryAsync();
        s_libraryPath = Path.Combine(directory, "libcollectives.so");
        TestContext.Progress.WriteLine($"native library under test: {s_libraryPath}");
        NativeLibrary.SetDllImportResolver(typeof(NativeMethods).Assembly, Resolve);
    }

    [OneTimeTearDown]
    public void DeleteBuildTree() => NativeArtifacts.DeleteCMakeBuild();

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == NativeMethods.LibraryName && s_libraryPath is not null ? NativeLibrary.Load(s_libraryPath) : IntPtr.Zero;
}
