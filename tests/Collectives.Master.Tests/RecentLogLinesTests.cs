using Collectives.Master.Status;
using Microsoft.Extensions.Logging;

namespace Collectives.Master.Tests;

[TestFixture]
public sealed class RecentLogLinesTests
{
    [Test]
    public void Keeps_the_newest_lines_up_to_its_capacity()
    {
        using var lines = new RecentLogLines(3);
        ILogger logger = lines.CreateLogger("Collectives.Membership.MasterServer");

        for (int i = 1; i <= 5; i++)
        {
            logger.Log(LogLevel.Information, new EventId(i), $"message {i}", null, (state, _) => state);
        }

        IReadOnlyList<string> kept = lines.Snapshot();
        Assert.That(kept, Has.Count.EqualTo(3));
        Assert.That(kept[0], Does.EndWith("info MasterServer: message 3"));
        Assert.That(kept[2], Does.EndWith("info MasterServer: message 5"));
    }

    [Test]
    public void Includes_the_exception_message()
    {
        using var lines = new RecentLogLines(2);
        ILogger logger = lines.CreateLogger("Master");

        logger.Log(LogLevel.Error, new EventId(1), "failed", new InvalidOperationException("why"), (state, _) => state);

        Assert.That(lines.Snapshot().Single(), Does.EndWith("fail Master: failed (InvalidOperationException: why)"));
    }
}
