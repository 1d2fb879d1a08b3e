namespace MyNoSql.Sync;

/// <summary>A <c>--read-only</c> mirror refused a write with 403 <c>read_only</c> (DESIGN §9): it still serves pulls,
/// so a round pushes to a writable mirror and may pull from this one.</summary>
internal sealed class MirrorReadOnlyException(string mirror, string reason) : Exception($"{mirror}: read-only mirror ({reason})")
{
    public string Mirror { get; } = mirror;
}
