namespace MyNoSql;

/// <summary>A secondary index of a database: its name and the dotted field paths of its compound key, in order.</summary>
/// <param name="Name">1–64 characters of A–Z, a–z, 0–9, '_', '.', '-'.</param>
/// <param name="Fields">1–16 dotted field paths (<c>a.b.c</c>; <c>\.</c> is a dot inside a name); <c>id</c> and <c>rev</c> are indexable.</param>
public sealed record IndexInfo(string Name, IReadOnlyList<string> Fields);
