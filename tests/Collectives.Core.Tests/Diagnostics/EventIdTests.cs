using System.Reflection;
using Collectives.Diagnostics;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace Collectives.Tests.Diagnostics;

/// <summary>Event ids are a public contract (log queries, alerts): unique across the library and inside each class's range.</summary>
[TestFixture]
public sealed class EventIdTests
{
    /// <summary>Every [LoggerMessage] method of the given assemblies with its declaring class and event id.</summary>
    internal static IReadOnlyList<(Type Owner, string Method, int EventId)> LoggerMessages(params Assembly[] assemblies) =>
        [.. assemblies.SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(x => x.Attribute is not null)
            .Select(x => (x.Method.DeclaringType!, x.Method.Name, x.Attribute!.EventId))];

    [Test]
    public void EventIdsOfTheCoreLibraryAreUniqueAndInsideTheirClassRange()
    {
        var messages = LoggerMessages(typeof(Communicator).Assembly);
        Assert.That(messages.Select(m => m.Owner).Distinct(), Is.EquivalentTo(new[] { typeof(MasterLog), typeof(PeerLog), typeof(Collectives.Transport.Internal.TransportLog) }),
            "a new log class needs its own documented range here");

        var duplicates = messages.GroupBy(m => m.EventId).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Method))}");
        Assert.That(duplicates, Is.Empty);
        Assert.That(messages.Where(m => m.Owner == typeof(MasterLog)).Select(m => m.EventId), Is.All.InRange(1000, 1999));
        Assert.That(messages.Where(m => m.Owner == typeof(PeerLog)).Select(m => m.EventId), Is.All.InRange(2000, 2999));
        Assert.That(messages.Where(m => m.Owner == typeof(Collectives.Transport.Internal.TransportLog)).Select(m => m.EventId), Is.All.InRange(3000, 3999));
    }

    [Test]
    public void EveryLogMessageHasANonDefaultEventId()
    {
        Assert.That(LoggerMessages(typeof(Communicator).Assembly).Select(m => m.EventId), Is.All.GreaterThan(0));
    }
}
