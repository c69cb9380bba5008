using Microsoft.Extensions.Logging;

namespace Collectives.Interop;

/// <summary>The logic behind the library-wide exports. Methods throw; the exports map exceptions to result codes.</summary>
internal static unsafe class LibraryEntryPoints
{
    private static int s_initialized;

    /// <summary>True once <c>pcclInit</c> was called.</summary>
    public static bool IsInitialized => Volatile.Read(ref s_initialized) != 0;

    /// <summary><c>pcclInit</c>.</summary>
    public static void Init() => Volatile.Write(ref s_initialized, 1);

    /// <summary>Throws NotInitialized unless <c>pcclInit</c> was called (PCCL requires it for communicator calls).</summary>
    public static void RequireInitialized()
    {
        if (!IsInitialized)
        {
            throw new CollectivesException(ErrorCode.NotInitialized, "pcclInit was not called");
        }
    }

    /// <summary><c>pcclGetBuildInfo</c>.</summary>
    public static void GetBuildInfo(AbiBuildInfo* info)
    {
        RequireOut(info, "info");
        info->HasCudaSupport = 0;
    }

    /// <summary><c>collectivesSetLogLevel</c>.</summary>
    public static void SetLogLevel(int level)
    {
        if (level is < (int)LogLevel.Trace or > (int)LogLevel.None)
        {
            throw AbiConvert.Invalid($"unknown log level {level} (COLLECTIVES_LOG_TRACE = 0 ... COLLECTIVES_LOG_NONE = 6)");
        }

        NativeLogging.Shared.MinimumLevel = (LogLevel)level;
    }

    /// <summary><c>collectivesSetLogCallback</c>: null restores stderr.</summary>
    public static void SetLogCallback(delegate* unmanaged[Cdecl]<int, byte*, void*, void> callback, void* user)
    {
        if (!NativeLogCallback.Install(callback, user))
        {
            throw new CollectivesException(ErrorCode.Timeout,
                $"the new log callback is installed, but the previous one was still running on another thread after {NativeLogCallback.DrainBound.TotalSeconds:F0} s");
        }
    }

    /// <summary><c>collectivesCommOptionsInit</c>.</summary>
    public static void CommOptionsInit(AbiCommOptions* options)
    {
        RequireOut(options, "options");
        *options = AbiOptions.DefaultCommOptions;
    }

    /// <summary><c>collectivesMasterOptionsInit</c>.</summary>
    public static void MasterOptionsInit(AbiMasterOptions* options)
    {
        RequireOut(options, "options");
        *options = AbiOptions.DefaultMasterOptions;
    }

    /// <summary>Throws InvalidArgument for a NULL pointer argument.</summary>
    public static void RequireOut(void* pointer, string name)
    {
        if (pointer is null)
        {
            throw AbiConvert.Invalid($"{name} is NULL");
        }
    }
}
