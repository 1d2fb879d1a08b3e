using System.Text;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Simulation.Tests.Sim;

/// <summary>
/// The invariants at quiescence. Mirrors and Mirror-mode peers are full replicas; Peer-mode peers are checked for
/// the ids they hold.
/// <list type="number">
/// <item>Every replica holds the same winning revision for every id (every mirror and Mirror-mode peer holds every id written).</item>
/// <item>Every acknowledged write (a save or delete that returned) is on every full replica as a leaf or an ancestor of one
/// (superseded by a descendant), or kept as a conflict loser; mirrors hold the same leaves.</item>
/// <item>No replica holds a revision that no save produced, nor one whose content, tombstone flag or ancestry differs from what was written.</item>
/// <item>Every outbox is empty; a Mirror-mode peer lists the same live ids as the mirrors.</item>
/// </list>
/// </summary>
internal sealed partial class Checker(SimWorld world)
{
    private readonly Dictionary<string, Dictionary<string, DocumentRecord>> _replicas = new(StringComparer.Ordinal);

    public async Task CheckAsync()
    {
        foreach (var m in world.Mirrors)
        {
            var records = new Dictionary<string, DocumentRecord>(StringComparer.Ordinal);
            foreach (var id in m.Ids()) records[id] = (await m.ReadRecordAsync(id))!;
            _replicas[m.Name] = records;
        }
        foreach (var p in world.Peers)
        {
            var records = new Dictionary<string, DocumentRecord>(StringComparer.Ordinal);
            foreach (var h in p.Db!.Store.Records.List()) records[h.Key] = (await p.Db.Store.ReadRecordAsync(h.Key))!;
            _replicas[p.Name] = records;
            long pending = p.Db.Store.Records.PendingCount;
            if (pending != 0) Fail($"{p.Name} still has {pending} writes in its outbox at quiescence");
        }
        var reference = _replicas[world.Mirrors[0].Name];
        var written = world.History.All.Select(w => w.Id).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

        foreach (var id in written.Union(_replicas.Values.SelectMany(r => r.Keys)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            reference.TryGetValue(id, out var expected);
            foreach (var (node, records) in _replicas)
            {
                bool full = IsFull(node);
                if (!records.TryGetValue(id, out var record))
                {
                    if (full && written.Contains(id)) Fail($"'{id}': {node} does not hold it ({world.Mirrors[0].Name} has {SimWorld.Describe(expected)})");
                    continue;
                }
                if (expected is null) { Fail($"'{id}': {node} holds {SimWorld.Describe(record)} but {world.Mirrors[0].Name} holds nothing"); continue; }
                if (record.Winner.Rev != expected.Winner.Rev)
                    Fail($"'{id}': {node} winner {SimWorld.Short(record.Winner.Rev)} differs from {world.Mirrors[0].Name} winner {SimWorld.Short(expected.Winner.Rev)} ({node}: {SimWorld.Describe(record)}; {world.Mirrors[0].Name}: {SimWorld.Describe(expected)})");
                if (node.StartsWith('m') && !SameLeaves(record, expected))
                    Fail($"'{id}': mirrors hold different leaves: {node} {SimWorld.Describe(record)}, {world.Mirrors[0].Name} {SimWorld.Describe(expected)}");
                CheckLeaves(node, record);
                if (full) CheckAcknowledged(node, id, record);
                if (world.Options.Policy is { } policy) CheckResolved(node, record, policy);
            }
        }
        foreach (var p in world.Peers.Where(p => p.Mode == DbMode.Mirror))
        {
            var live = await p.Db!.ListIdsAsync().ToListAsync();
            var expectedLive = reference.Values.Where(r => !r.Winner.Deleted).Select(r => r.Id).Order(StringComparer.Ordinal).ToList();
            if (!live.SequenceEqual(expectedLive)) Fail($"{p.Name} lists [{string.Join(", ", live)}], the mirrors hold live [{string.Join(", ", expectedLive)}]");
        }
        if (world.Options.Attachments) await CheckBodiesAsync();
    }

    private bool IsFull(string node) => node.StartsWith('m') || world.Peers.First(p => p.Name == node).Mode == DbMode.Mirror;

    private static bool SameLeaves(DocumentRecord a, DocumentRecord b) =>
        a.Leaves.Select(l => (l.Rev, l.Deleted)).OrderBy(l => l.Rev).SequenceEqual(b.Leaves.Select(l => (l.Rev, l.Deleted)).OrderBy(l => l.Rev));

    /// <summary>Every acknowledged write of <paramref name="id"/> is a leaf here, an ancestor of one, or kept as a loser.</summary>
    private void CheckAcknowledged(string node, string id, DocumentRecord record)
    {
        foreach (var w in world.History.Of(id))
        {
            if (record.Leaves.Any(l => world.History.IsAncestorOrSelf(w.Rev, l.Rev))) continue;
            if (node.StartsWith('p') && _replicas[world.Mirrors[0].Name].TryGetValue(id, out var onMirror)
                && onMirror.Winner.Rev == record.Winner.Rev && onMirror.Leaves.Skip(1).Any(l => world.History.IsAncestorOrSelf(w.Rev, l.Rev)))
            {
                // Sync README, known limits: a conflict that does not change the winner does not move the index, so a
                // peer that already holds the winner never fetches the losing branch. The mirrors keep it (checked above).
                world.KnownLimit($"'{id}': {node} lacks conflict loser {SimWorld.Short(w.Rev)} (by {w.By} at step #{w.Op}) that the mirrors keep beside the same winner");
                continue;
            }
            Fail($"'{id}': acknowledged {(w.Deleted ? "delete" : "save")} {SimWorld.Short(w.Rev)} by {w.By} at step #{w.Op} is lost on {node} (holds {SimWorld.Describe(record)})");
        }
    }

    /// <summary>Every leaf was written by some save or delete, with that content, flag and ancestry.</summary>
    private void CheckLeaves(string node, DocumentRecord record)
    {
        foreach (var leaf in record.Leaves)
        {
            if (!world.History.TryGet(leaf.Rev, out var w))
            {
                Fail($"'{record.Id}': {node} holds revision {leaf.Rev} that no save produced");
                continue;
            }
            if (w.Id != record.Id || w.Deleted != leaf.Deleted || w.Body != Encoding.UTF8.GetString(leaf.Body.Span))
                Fail($"'{record.Id}': {node} holds {leaf.Rev} as {(leaf.Deleted ? "tombstone" : Encoding.UTF8.GetString(leaf.Body.Span))}, written as '{w.Id}' {(w.Deleted ? "tombstone" : w.Body)}");
            // Stored leaves keep AncestryLimit ancestors; a peer's pending edits keep more (up to PendingAncestryLimit).
            var chain = world.History.Ancestors(leaf.Rev, RevisionLeaf.PendingAncestryLimit);
            if (leaf.Ancestry.Length < Math.Min(RevisionLeaf.AncestryLimit, chain.Count) || !leaf.Ancestry.SequenceEqual(chain.Take(leaf.Ancestry.Length)))
                Fail($"'{record.Id}': {node} holds {SimWorld.Short(leaf.Rev)} with ancestry [{string.Join(' ', leaf.Ancestry.Select(SimWorld.Short))}], written with [{string.Join(' ', chain.Select(SimWorld.Short))}]");
        }
    }

    /// <summary>
    /// With a merge policy no live conflict is left where this replica could resolve it (it holds the common ancestor's
    /// body, or the policy needs none). A conflict whose ancestor body no replica here keeps is a documented limit: the
    /// policy's Latest and Counter cannot be computed without it, so the record stays as without a policy.
    /// </summary>
    private void CheckResolved(string node, DocumentRecord record, MergePolicy policy)
    {
        if (!record.HasConflicts) return;
        if (MyNoSql.Storage.Merging.ConflictResolver.TryResolve(record, policy, RecordHistory.DefaultDepth) is not null)
            Fail($"'{record.Id}': {node} keeps a live conflict its merge policy resolves ({SimWorld.Describe(record)})");
        else
            world.KnownLimit($"'{record.Id}': {node} keeps a live conflict: the common ancestor's body is not kept here ({SimWorld.Describe(record)})");
    }

    private void Fail(string text) => world.Violation(text);
}
