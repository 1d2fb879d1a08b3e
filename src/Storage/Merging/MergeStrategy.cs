namespace MyNoSql;

/// <summary>How a merge policy combines one top-level field of conflicting revisions (DESIGN §8; dronestore's
/// strategies). Lowercase names on the wire: winner, latest, max, min, union, counter.</summary>
public enum MergeStrategy
{
    /// <summary>The winning leaf's value (the default for fields a policy does not name).</summary>
    Winner = 0,
    /// <summary>The value written most recently, by the hybrid logical clock of the replica that saved it.</summary>
    Latest = 1,
    /// <summary>The greatest value in the collation of queries (DESIGN §7).</summary>
    Max = 2,
    /// <summary>The least value in the collation of queries.</summary>
    Min = 3,
    /// <summary>Arrays as sets: every element of every leaf once, in collation order.</summary>
    Union = 4,
    /// <summary>The common ancestor's number plus the sum of every leaf's change to it.</summary>
    Counter = 5,
}
