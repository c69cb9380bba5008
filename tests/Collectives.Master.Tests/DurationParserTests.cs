using FsCheck;
using FsCheck.Fluent;

namespace Collectives.Master.Tests;

[TestFixture]
public sealed class DurationParserTests
{
    [TestCase("500ms", 500)]
    [TestCase("1s", 1000)]
    [TestCase("1.5s", 1500)]
    [TestCase(" 2m ", 120_000)]
    [TestCase("1h", 3_600_000)]
    [TestCase("250 ms", 250)]
    [TestCase("3S", 3000)]
    [TestCase("00:00:01", 1000)]
    [TestCase("00:00:00.250", 250)]
    [TestCase("1.00:00:00", 86_400_000)]
    public void Reads_the_forms_operators_write(string text, int milliseconds)
    {
        Assert.That(DurationParser.TryParse(text, out TimeSpan duration, out string? error), Is.True, error);
        Assert.That(duration, Is.EqualTo(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [TestCase("", "with a unit")]
    [TestCase("5", "with a unit")]
    [TestCase("-1s", "not a duration")]
    [TestCase("0s", "out of range")]
    [TestCase("00:00:00", "out of range")]
    [TestCase("25h", "out of range")]
    [TestCase("99999999999999999999999h", "out of range")]
    [TestCase("1d", "not a duration")]
    [TestCase("s", "not a duration")]
    [TestCase("1e3ms", "not a duration")]
    [TestCase("1:2:3:4:5", "not a time span")]
    public void Refuses_the_rest_with_a_reason(string text, string reason)
    {
        Assert.That(DurationParser.TryParse(text, out _, out string? error), Is.False);
        Assert.That(error, Does.Contain(reason));
    }

    [Test]
    public void Sub_tick_amounts_round_to_the_nearest_tick()
    {
        // 0.00005 ms is half a tick: banker's rounding goes to the even neighbour, 0, which is then out of range.
        Assert.That(DurationParser.TryParse("0.00005ms", out _, out _), Is.False);
        Assert.That(DurationParser.TryParse("0.00015ms", out TimeSpan duration, out _), Is.True);
        Assert.That(duration.Ticks, Is.EqualTo(2));
    }

    [Test]
    public void Format_reads_back_to_the_same_value() =>
        Prop.ForAll(
            Gen.Choose(1, int.MaxValue).Select(n => TimeSpan.FromTicks(n % DurationParser.Maximum.Ticks + 1)).ToArbitrary(),
            duration =>
            {
                string text = DurationParser.Format(duration);
                return DurationParser.TryParse(text, out TimeSpan back, out _) && back == duration;
            }).QuickCheckThrowOnFailure();

    [TestCase(60_000L * TimeSpan.TicksPerMillisecond, "1m")]
    [TestCase(90_000L * TimeSpan.TicksPerMillisecond, "90s")]
    [TestCase(1_500L * TimeSpan.TicksPerMillisecond, "1500ms")]
    [TestCase(2L * TimeSpan.TicksPerHour, "2h")]
    [TestCase(1L, "0.0001ms")]
    public void Format_uses_the_largest_whole_unit(long ticks, string expected) =>
        Assert.That(DurationParser.Format(TimeSpan.FromTicks(ticks)), Is.EqualTo(expected));

    [Test]
    public void Never_throws_on_any_text() =>
        Prop.ForAll(
            ArbMap.Default.ArbFor<string>(),
            text =>
            {
                bool ok = DurationParser.TryParse(text, out TimeSpan duration, out string? error);
                return ok ? error is null && duration > TimeSpan.Zero && duration <= DurationParser.Maximum : error is not null;
            }).QuickCheckThrowOnFailure();
}
