// Property tests run in parallel fixtures; integration fixtures opt out where they share ports or processes.
[assembly: NUnit.Framework.Parallelizable(NUnit.Framework.ParallelScope.Fixtures)]
[assembly: NUnit.Framework.LevelOfParallelism(2)]
