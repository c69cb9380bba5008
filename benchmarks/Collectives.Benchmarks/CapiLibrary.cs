using System.Reflection;
using System.Runtime.InteropServices;
using Collectives.Interop;

namespace Collectives.Benchmarks;

/// <summary>
/// Where the published <c>libcollectives.so</c> is, and pointing the <see cref="NativeMethods"/> bindings at it. The
/// same rule as tests/Collectives.Native.Tests: <c>COLLECTIVES_NATIVE_DIR</c> when set, else artifacts/native of the
/// repository. The benchmark does not publish it (a NativeAOT publish takes minutes); it says how instead.
/// </summary>
internal static class CapiLibrary
{
    public const string FileName = "libcollectives.so";

    private static readonly object Gate = new();
    private static string? s_loadedPath;

    /// <summary>The library to benchmark: <paramref name="explicitPath"/>, else the rule above.</summary>
    /// <exception cref="FileNotFoundException">No library there; the message gives the publish command.</exception>
    public static string Find(string? explicitPath)
    {
        string candidate = explicitPath
            ?? (Environment.GetEnvironmentVariable("COLLECTIVES_NATIVE_DIR") is { Length: > 0 } directory
                ? Path.Combine(directory, FileName)
                : Path.Combine(RepositoryRoot() ?? ".", "artifacts", "native", FileName));
        return File.Exists(candidate)
            ? Path.GetFullPath(candidate)
            : throw new FileNotFoundException(
                $"{candidate} not found; publish it first: dotnet publish src/Collectives.Native -c Release -o artifacts/native "
                + "(or set COLLECTIVES_NATIVE_DIR, or pass --lib <path>)", candidate);
    }

    /// <summary>
    /// A warning when a source the library is built from is newer than the library, since comparing the C API of an
    /// older build against the current .NET code would measure the difference between builds.
    /// </summary>
    public static string? StalenessWarning(string libraryPath)
    {
        if (RepositoryRoot() is not { } root)
        {
            return null;
        }

        DateTime built = File.GetLastWriteTimeUtc(libraryPath);
        string? newer = new[] { "Collectives.Core", "Collectives.Interop", "Collectives.Native" }
            .Select(project => Path.Combine(root, "src", project))
            .Where(Directory.Exists)
            .SelectMany(directory => Directory.EnumerateFiles(directory, "*.cs*", SearchOption.AllDirectories))
            .Where(file => !file.Contains("/bin/", StringComparison.Ordinal) && !file.Contains("/obj/", StringComparison.Ordinal))
            .FirstOrDefault(file => File.GetLastWriteTimeUtc(file) > built);
        return newer is null ? null : $"warning: {newer} is newer than {libraryPath}; republish the library for a fair comparison";
    }

    /// <summary>Resolves the bindings' library name to <paramref name="libraryPath"/> (once per process).</summary>
    public static void Load(string libraryPath)
    {
        lock (Gate)
        {
            if (s_loadedPath is not null)
            {
                if (s_loadedPath != libraryPath)
                {
                    throw new InvalidOperationException($"the bindings already resolve to {s_loadedPath}");
                }

                return;
            }

            NativeLibrary.SetDllImportResolver(typeof(NativeMethods).Assembly, Resolve);
            s_loadedPath = libraryPath;
        }

        CapiCheck.Ok(NativeMethods.Init());
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == NativeMethods.LibraryName && s_loadedPath is not null ? NativeLibrary.Load(s_loadedPath) : IntPtr.Zero;

    /// <summary>The directory holding Collectives.sln above this program, if any.</summary>
    public static string? RepositoryRoot()
    {
        for (string? directory = AppContext.BaseDirectory; directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, "Collectives.sln")))
            {
                return directory;
            }
        }

        return null;
    }
}

/// <summary>Turns a C API result code into an exception carrying the library's message for the calling thread.</summary>
internal static class CapiCheck
{
    public static void Ok(ErrorCode result)
    {
        if (result != ErrorCode.Success)
        {
            throw new InvalidOperationException($"C API call failed: {result}: {NativeMethods.LastErrorMessage()}");
        }
    }
}
