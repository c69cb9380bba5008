global using NUnit.Framework;

// Fixtures run in parallel; each process test uses its own port (port 0) and its own child process.
[assembly: Parallelizable(ParallelScope.Fixtures)]
[assembly: LevelOfParallelism(2)]

// The process tests signal the tool through libc's kill and read /proc; the file-mode checks are POSIX.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
