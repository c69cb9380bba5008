using System.Runtime.CompilerServices;

// The NativeAOT library (assembly name libcollectives) hosts the exports over this assembly's machinery; the native
// tests check the ABI mirror against the C header.
[assembly: InternalsVisibleTo("libcollectives")]
[assembly: InternalsVisibleTo("Collectives.Native.Tests")]
