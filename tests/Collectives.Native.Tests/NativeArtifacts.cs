using System.Globalization;

namespace Collectives.Native.Tests;

/// <summary>
/// Finds (or produces) the published libcollectives.so and the CMake build of native/ that the tests use. The library
/// comes from <c>COLLECTIVES_NATIVE_DIR</c> when set, else from artifacts/native when it is newer than every source
/// it is built from, else from a NativeAOT publish into a temporary directory named after the sources' newest
/// timestamp (so repeated runs on unchanged sources publish once).
/// </summary>
internal static class NativeArtifacts
{
    private static readonly Lazy<Task<string>> LibraryDirectoryTask = new(FindOrPublishLibraryAsync);
    private static readonly Lazy<Task<string>> CMakeBuildTask = new(BuildNativeAsync);

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The directory holding libcollectives.so.</summary>
    public static Task<string> LibraryDirectoryAsync() => LibraryDirectoryTask.Value;

    /// <summary>A configured and built CMake tree of native/ (examples and tests) linked against that library.</summary>
    public static Task<string> CMakeBuildDirectoryAsync() => CMakeBuildTask.Value;

    /// <summary>Deletes the CMake tree if one was made (the published library stays as a cache for the next run).</summary>
    public static void DeleteCMakeBuild()
    {
        if (CMakeBuildTask.IsValueCreated && CMakeBuildTask.Value.IsCompletedSuccessfully && Directory.Exists(CMakeBuildTask.Value.Result))
        {
            Directory.Delete(CMakeBuildTask.Value.Result, recursive: true);
        }
    }

    private static string FindRepositoryRoot()
    {
        for (string? directory = AppContext.BaseDirectory; directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, "Collectives.sln")))
            {
                return directory;
            }
        }

        throw new InvalidOperationException($"no Collectives.sln above {AppContext.BaseDirectory}");
    }

    private static async Task<string> FindOrPublishLibraryAsync()
    {
        if (Environment.GetEnvironmentVariable("COLLECTIVES_NATIVE_DIR") is { Length: > 0 } configured
            && File.Exists(Path.Combine(configured, "libcollectives.so")))
        {
            return configured;
        }

        DateTime newestSource = NewestSourceWriteTimeUtc();
        string artifacts = Path.Combine(RepositoryRoot, "artifacts", "native");
        if (IsUpToDate(artifacts, newestSource))
        {
            return artifacts;
        }

        string stamp = newestSource.Ticks.ToString(CultureInfo.InvariantCulture);
        string published = Path.Combine(Path.GetTempPath(), $"collectives-native-{stamp}");
        if (IsUpToDate(published, newestSource))
        {
            return published;
        }

        string project = Path.Combine(RepositoryRoot, "src", "Collectives.Native", "Collectives.Native.csproj");
        ProcessRunner.Result result = await ProcessRunner.RunAsync("dotnet", ["publish", project, "-c", "Release", "-o", published, "-nodeReuse:false", "-p:UseSharedCompilation=false"],
            RepositoryRoot, TimeSpan.FromMinutes(6));
        if (result.ExitCode != 0 || !File.Exists(Path.Combine(published, "libcollectives.so")))
        {
            throw new InvalidOperationException($"publishing the native library failed ({result.ExitCode}):\n{result.Output}");
        }

        return published;
    }

    private static bool IsUpToDate(string directory, DateTime newestSource)
    {
        var library = new FileInfo(Path.Combine(directory, "libcollectives.so"));
        return library.Exists && library.LastWriteTimeUtc >= newestSource;
    }

    /// <summary>The newest write time of anything the library is built from (sources, projects, shared props).</summary>
    private static DateTime NewestSourceWriteTimeUtc()
    {
        IEnumerable<string> files = new[] { "Collectives.Core", "Collectives.Interop", "Collectives.Native" }
            .Select(project => Path.Combine(RepositoryRoot, "src", project))
            .SelectMany(directory => Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
            .Where(file => !IsBuildOutput(file) && (file.EndsWith(".cs", StringComparison.Ordinal) || file.EndsWith(".csproj", StringComparison.Ordinal)))
            .Append(Path.Combine(RepositoryRoot, "Directory.Build.props"))
            .Append(Path.Combine(RepositoryRoot, "Directory.Packages.props"));
        return files.Max(File.GetLastWriteTimeUtc);
    }

    private static bool IsBuildOutput(string file)
    {
        string separator = Path.DirectorySeparatorChar.ToString();
        return file.Contains($"{separator}bin{separator}", StringComparison.Ordinal) || file.Contains($"{separator}obj{separator}", StringComparison.Ordinal);
    }

    private static async Task<string> BuildNativeAsync()
    {
        string library = await LibraryDirectoryAsync();
        string build = Path.Combine(Path.GetTempPath(), $"collectives-native-cmake-{Guid.NewGuid():N}");
        string source = Path.Combine(RepositoryRoot, "native");
        ProcessRunner.Result configure = await ProcessRunner.RunAsync("cmake", ["-S", source, "-B", build, $"-DCOLLECTIVES_NATIVE_DIR={library}"],
            RepositoryRoot, TimeSpan.FromMinutes(2));
        if (configure.ExitCode != 0)
        {
            throw new InvalidOperationException($"cmake configure failed:\n{configure.Output}");
        }

        ProcessRunner.Result compile = await ProcessRunner.RunAsync("cmake", ["--build", build, "-j", "2"], RepositoryRoot, TimeSpan.FromMinutes(3));
        if (compile.ExitCode != 0)
        {
            throw new InvalidOperationException($"cmake build failed (the C code must compile with -std=c99 -Wall -Wextra -Werror -pedantic):\n{compile.Output}");
        }

        return build;
    }
}
