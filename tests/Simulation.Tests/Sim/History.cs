using MyNoSql.Storage.Documents;

namespace MyNoSql.Simulation.Tests.Sim;

/// <summary>One acknowledged write: a save or delete that returned on a peer.</summary>
internal sealed record Written(string Id, Revision Rev, Revision Parent, bool Deleted, string Body, string By, int Op);

/// <summary>Every revision the schedule produced, with its parent, so ancestry is known without the 20-revision limit.</summary>
internal sealed class History
{
    private readonly Dictionary<Revision, Written> _byRev = [];
    private readonly List<Written> _all = [];

    public IReadOnlyList<Written> All => _all;

    private readonly Lock _gate = new();

    public void Add(Written w)
    {
        lock (_gate)
            if (_byRev.TryAdd(w.Rev, w)) _all.Add(w);
    }

    /// <summary>
    /// A revision a replica's merge policy wrote (a resolution, child of the winner, or the tombstone closing a loser):
    /// known from now on (its parent chain, its content) but not an acknowledged write. Called from store observers,
    /// possibly from several threads.
    /// </summary>
    public void AddResolution(Written w)
    {
        lock (_gate)
            if (_byRev.TryAdd(w.Rev, w)) Interlocked.Increment(ref s_resolutions);
    }

    private static long s_resolutions;

    /// <summary>Revisions merge policies wrote in every run of this process so far (the batch summary shows it).</summary>
    public static long ResolutionsSoFar => Interlocked.Read(ref s_resolutions);

    public bool TryGet(Revision rev, out Written written)
    {
        lock (_gate) return _byRev.TryGetValue(rev, out written!);
    }

    public IEnumerable<Written> Of(string id) => _all.Where(w => w.Id == id);

    /// <summary>True when <paramref name="ancestor"/> is <paramref name="rev"/> or on its parent chain.</summary>
    public bool IsAncestorOrSelf(Revision ancestor, Revision rev)
    {
        lock (_gate) return IsAncestorOrSelfLocked(ancestor, rev);
    }

    private bool IsAncestorOrSelfLocked(Revision ancestor, Revision rev)
    {
        var r = rev;
        for (int guard = 0; guard < 100_000 && !r.IsEmpty; guard++)
        {
            if (r == ancestor) return true;
            if (!_byRev.TryGetValue(r, out var w)) return false;
            r = w.Parent;
        }
        return false;
    }

    /// <summary>The first <paramref name="count"/> ancestors of <paramref name="rev"/>, newest first (fewer when the chain is shorter).</summary>
    public List<Revision> Ancestors(Revision rev, int count)
    {
        lock (_gate) return AncestorsLocked(rev, count);
    }

    private List<Revision> AncestorsLocked(Revision rev, int count)
    {
        var list = new List<Revision>(count);
        var r = rev;
        while (list.Count < count && _byRev.TryGetValue(r, out var w) && !w.Parent.IsEmpty)
        {
            list.Add(w.Parent);
            r = w.Parent;
        }
        return list;
    }
}
