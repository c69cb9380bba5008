using System.Text;
using Collectives.SharedState;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.SharedState;

public class SharedStateElectionPropertyTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(400);

    [Test]
    public void DecisionFollowsTheModelOfTheRules() =>
        Check.One(Runs, Prop.ForAll(ElectionScenarios.Rounds.ToArbitrary(), round =>
        {
            SharedStateDecision<int> decision = SharedStateElection.Decide(round.GroupRevision, round.Submissions, round.SplitThresholdBytes);
            ElectionModel.Verify(round.GroupRevision, round.Submissions, decision);
        }));

    [Test]
    public void DecisionDoesNotDependOnSubmissionOrder() =>
        Check.One(Runs, Prop.ForAll(ElectionScenarios.RoundsAndPermutations.ToArbitrary(), pair =>
        {
            (ElectionScenario round, SharedStateSubmission<int>[] shuffled) = pair;
            string original = Render(SharedStateElection.Decide(round.GroupRevision, round.Submissions, round.SplitThresholdBytes));
            string permuted = Render(SharedStateElection.Decide(round.GroupRevision, shuffled, round.SplitThresholdBytes));
            return original == permuted;
        }));

    [Test]
    public void RoundsExerciseEveryOutcome()
    {
        // Guards the generator: if it stopped producing some outcome, the properties above would pass vacuously.
        var seen = new HashSet<string>();
        foreach (ElectionScenario round in ElectionScenarios.Rounds.Sample(400, new Rnd(20260101UL), 20))
        {
            SharedStateDecision<int> decision = SharedStateElection.Decide(round.GroupRevision, round.Submissions, round.SplitThresholdBytes);
            foreach (SharedStateOutcome<int> outcome in decision.Outcomes)
            {
                seen.Add(outcome switch
                {
                    ViolationOutcome<int> v => v.Code.ToString(),
                    FetchOutcome<int> { Transfers.Count: 0 } => "revision-only fetch",
                    FetchOutcome<int> f when f.Transfers.Any(t => t.Slices.Select(s => s.Donor).Distinct().Count() > 1) => "split fetch",
                    FetchOutcome<int> => "fetch",
                    UpToDateOutcome<int> u => u.IsDonor ? "donor" : "up to date",
                    _ => "?",
                });
            }
        }

        Assert.That(seen, Is.SupersetOf(new[]
        {
            "ProtocolViolation", "NoSharedStateAvailable", "revision-only fetch", "split fetch", "fetch", "donor", "up to date",
        }));
    }

    /// <summary>Everything a peer would be told, as text, so two decisions compare structurally.</summary>
    internal static string Render(SharedStateDecision<int> decision)
    {
        var text = new StringBuilder();
        text.Append("rev ").Append(decision.Revision).Append(" elected ");
        foreach (SharedStateEntry entry in decision.ElectedEntries ?? [])
        {
            text.Append(entry).Append(' ');
        }

        foreach (SharedStateOutcome<int> outcome in decision.Outcomes)
        {
            text.Append('\n').Append(outcome);
            if (outcome is FetchOutcome<int> fetch)
            {
                foreach (EntryTransfer<int> transfer in fetch.Transfers)
                {
                    text.Append(" | ").Append(transfer.Name).Append('=').Append(transfer.ExpectedHash).Append(':');
                    foreach (TransferSlice<int> slice in transfer.Slices)
                    {
                        text.Append(' ').Append(slice);
                    }
                }
            }
        }

        return text.ToString();
    }
}
