using System.Reflection;
using Collectives.Interop;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace Collectives.Native.Tests;

/// <summary>The C layer's log event ids stay in 7000–7099 and never collide with the library's (a C host sees both).</summary>
[TestFixture]
public sealed class EventIdTests
{
    private static int[] EventIds(Assembly assembly) =>
        [.. assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>())
            .Where(a => a is not null)
            .Select(a => a!.EventId)];

    [Test]
    public void InteropEventIdsAreUniqueInRangeAndDisjointFromTheLibrarys()
    {
        int[] interop = EventIds(typeof(NativeMethods).Assembly);
        int[] library = EventIds(typeof(Communicator).Assembly);
        Assert.That(interop, Is.Not.Empty);
        Assert.That(interop, Is.All.InRange(7000, 7099));
        Assert.That(interop, Is.Unique);
        Assert.That(interop.Intersect(library), Is.Empty);
    }
}
