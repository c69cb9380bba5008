namespace Collectives.SharedState;

/// <summary>
/// A submission's entries, validated and sorted by ordinal name, so that the declaration order of a peer never
/// matters and two declarations compare in one pass.
/// </summary>
internal sealed class DeclaredState
{
    private DeclaredState(SharedStateEntry[] entries) => Entries = entries;

    /// <summary>The entries in ordinal name order.</summary>
    internal SharedStateEntry[] Entries { get; }

    /// <summary>Validates what came off the wire: no null parts, defined types, sizes that fit, unique names.</summary>
    internal static bool TryCreate(IReadOnlyList<SharedStateEntry>? entries, out DeclaredState? state, out string? error)
    {
        state = null;
        if (entries is null)
        {
            error = "the entry list is missing";
            return false;
        }

        var sorted = new SharedStateEntry[entries.Count];
        for (int i = 0; i < sorted.Length; i++)
        {
            SharedStateEntry? entry = entries[i];
            if (entry is null || entry.Name is null)
            {
                error = $"entry {i} or its name is missing";
                return false;
            }

            if (!DataTypes.IsDefined(entry.DataType))
            {
                error = $"entry '{entry.Name}' has undefined data type {(int)entry.DataType}";
                return false;
            }

            // Sizes travel as ulong but are addressed as long offsets later; anything beyond that is nonsense.
            if (entry.Count > (ulong)long.MaxValue / (ulong)DataTypes.SizeOf(entry.DataType))
            {
                error = $"entry '{entry.Name}' declares {entry.Count} elements, more than can exist";
                return false;
            }

            sorted[i] = entry;
        }

        Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        for (int i = 1; i < sorted.Length; i++)
        {
            if (string.Equals(sorted[i - 1].Name, sorted[i].Name, StringComparison.Ordinal))
            {
                error = $"entry name '{sorted[i].Name}' appears more than once";
                return false;
            }
        }

        state = new DeclaredState(sorted);
        error = null;
        return true;
    }

    /// <summary>Orders by the set of (name, type, count, inequality flag), ignoring hashes.</summary>
    internal static int CompareSchema(DeclaredState a, DeclaredState b)
    {
        int order = a.Entries.Length.CompareTo(b.Entries.Length);
        for (int i = 0; order == 0 && i < a.Entries.Length; i++)
        {
            SharedStateEntry x = a.Entries[i], y = b.Entries[i];
            order = string.CompareOrdinal(x.Name, y.Name);
            order = order != 0 ? order : x.DataType.CompareTo(y.DataType);
            order = order != 0 ? order : x.Count.CompareTo(y.Count);
            order = order != 0 ? order : x.AllowContentInequality.CompareTo(y.AllowContentInequality);
        }

        return order;
    }

    /// <summary>
    /// Orders two states of the same schema by the hashes of their compared entries in name order; entries that allow
    /// inequality do not take part.
    /// </summary>
    internal static int CompareContent(DeclaredState a, DeclaredState b)
    {
        for (int i = 0; i < a.Entries.Length; i++)
        {
            if (a.Entries[i].AllowContentInequality)
            {
                continue;
            }

            int order = a.Entries[i].Hash.CompareTo(b.Entries[i].Hash);
            if (order != 0)
            {
                return order;
            }
        }

        return 0;
    }

    /// <summary>Names the first schema difference from <paramref name="elected"/>, for the violation message.</summary>
    internal string DescribeSchemaDifference(DeclaredState elected)
    {
        var mine = Entries.ToDictionary(entry => entry.Name, StringComparer.Ordinal);
        foreach (SharedStateEntry expected in elected.Entries)
        {
            if (!mine.TryGetValue(expected.Name, out SharedStateEntry? actual))
            {
                return $"entry '{expected.Name}' is missing";
            }

            if (actual.DataType != expected.DataType || actual.Count != expected.Count
                || actual.AllowContentInequality != expected.AllowContentInequality)
            {
                return $"entry '{expected.Name}' is {Describe(actual)} but the group has {Describe(expected)}";
            }
        }

        string extra = Entries.Select(entry => entry.Name).First(name => !elected.Entries.Any(e => e.Name == name));
        return $"entry '{extra}' is not in the group's shared state";
    }

    private static string Describe(SharedStateEntry entry) =>
        $"{entry.Count} x {entry.DataType}{(entry.AllowContentInequality ? " (inequality allowed)" : string.Empty)}";
}
