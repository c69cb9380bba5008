using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Collectives.Master.Tests;

/// <summary>The tool's log event ids stay in their range and never collide with the library's, which share its log.</summary>
[TestFixture]
public sealed class EventIdTests
{
    private static (Type Owner, int EventId)[] LoggerMessages(Assembly assembly) =>
        [.. assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (m.DeclaringType!, m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(x => x.Item2 is not null)
            .Select(x => (x.Item1, x.Item2!.EventId))];

    [Test]
    public void The_tools_event_ids_are_unique_in_range_and_disjoint_from_the_librarys()
    {
        var tool = LoggerMessages(typeof(HostLog).Assembly);
        var library = LoggerMessages(typeof(Communicator).Assembly);
        Assert.That(tool, Is.Not.Empty);
        Assert.That(tool.Select(m => m.EventId), Is.All.InRange(5000, 5099));
        Assert.That(tool.Select(m => m.EventId), Is.Unique);
        Assert.That(tool.Select(m => m.EventId).Intersect(library.Select(m => m.EventId)), Is.Empty);
    }
}
