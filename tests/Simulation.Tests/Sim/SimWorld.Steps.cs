using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Simulation.Tests.Sim;

/// <summary>The steps of a schedule, each resolved against the current state with the step's random stream.</summary>
internal sealed partial class SimWorld
{
    private async Task StepAsync(Op op)
    {
        foreach (var m in Mirrors.Where(m => !m.Up && m.RestartAtStep <= op.Index))
        {
            await m.OpenAsync(NextEpoch);
            Log($"{m.Name} restarted from its files ({m.Ids().Count()} records)");
        }
        var peer = Peers[op.A % Peers.Length];
        string id = Ids[op.Item % Ids.Length];
        if (peer.Up && op.Kind is OpKind.Delete or OpKind.Resolve && Rng.Next(4) != 0)
        {
            // Mostly act on what this peer holds live, so deletes and resolutions meet real records.
            var live = peer.Db!.Store.ListLiveIds().ToList();
            if (live.Count > 0) id = live[op.Item % live.Count];
        }
        switch (op.Kind)
        {
            case OpKind.Save when peer.Up:
                await SaveAsync(peer, id, op);
                break;
            case OpKind.Delete when peer.Up:
                await DeleteAsync(peer, id);
                break;
            case OpKind.Resolve when peer.Up:
                await ResolveAsync(peer, id);
                break;
            case OpKind.Read when peer.Up:
                await ReadAsync(peer, id);
                break;
            case OpKind.Sync when peer.Up:
                await SyncAsync(peer);
                break;
            case OpKind.SyncThenCrash when peer.Up:
                peer.CrashAfterCalls = Rng.Next(0, 6);
                peer.CrashAfterApply = Rng.Next(2) == 0;
                await SyncAsync(peer);
                if (peer.Up)
                {
                    // The round ended before the planned crash point: crash right after it.
                    peer.CrashAfterCalls = -1;
                    peer.CrashCopy = CrashCopy.Take(peer.Directory);
                    Log($"{peer.Name} CRASH after its round");
                    await FinishCrashAsync(peer);
                }
                await RestartAsync(peer);
                break;
            case OpKind.AntiEntropy:
            {
                var from = Mirrors[op.A % Mirrors.Length];
                var to = Mirrors[(op.A % Mirrors.Length + 1 + op.B % (Mirrors.Length - 1)) % Mirrors.Length];
                await AntiEntropyAsync(from, to);
                break;
            }
            case OpKind.CutLink:
            {
                var links = AllLinks();
                var (a, b) = links[op.B % links.Count];
                if (Net.Cut(a, b)) Log($"cut {a}-{b}");
                break;
            }
            case OpKind.HealLink:
            {
                var cut = Net.CutLinks.OrderBy(l => l.Item1, StringComparer.Ordinal).ThenBy(l => l.Item2, StringComparer.Ordinal).ToList();
                if (cut.Count == 0) break;
                var (a, b) = cut[op.B % cut.Count];
                Net.Heal(a, b);
                Log($"heal {a}-{b}");
                break;
            }
            case OpKind.CrashOrRestart:
                await CrashOrRestartAsync(op.B % (Mirrors.Length + Peers.Length));
                break;
            case OpKind.Compact:
            {
                int node = op.B % (Mirrors.Length + Peers.Length);
                if (node < Mirrors.Length && Mirrors[node].Up) await Mirrors[node].Store!.Records.CompactAsync();
                else if (node >= Mirrors.Length && Peers[node - Mirrors.Length].Up) await Peers[node - Mirrors.Length].Db!.CompactAsync();
                else break;
                Log($"{(node < Mirrors.Length ? Mirrors[node].Name : Peers[node - Mirrors.Length].Name)} sealed its logs");
                break;
            }
            case OpKind.Tick:
                Net.Advance(Rng.Next(500, 5000));
                await DeliverAsync(all: false);
                break;
            default:
                Log($"{peer.Name} is down: {op.Kind} skipped");
                break;
        }
    }

    private List<(string, string)> AllLinks()
    {
        var links = new List<(string, string)>();
        foreach (var p in Peers)
            foreach (var m in Mirrors) links.Add((p.Name, m.Name));
        for (int i = 0; i < Mirrors.Length; i++)
            for (int j = i + 1; j < Mirrors.Length; j++) links.Add((Mirrors[i].Name, Mirrors[j].Name));
        return links;
    }

    private async Task CrashOrRestartAsync(int node)
    {
        if (node < Mirrors.Length)
        {
            var m = Mirrors[node];
            if (m.Up)
            {
                string copy = CrashCopy.Take(m.Directory);
                await m.CloseAsync();
                CrashCopy.Restore(m.Directory, copy);
                m.RestartAtStep = _step + Rng.Next(1, 12);
                Log($"{m.Name} CRASH (restarts at step #{m.RestartAtStep})");
            }
            else
            {
                await m.OpenAsync(NextEpoch);
                Log($"{m.Name} restarted from its files ({m.Ids().Count()} records)");
            }
            return;
        }
        var p = Peers[node - Mirrors.Length];
        if (p.Up)
        {
            p.CrashCopy = CrashCopy.Take(p.Directory);
            Log($"{p.Name} CRASH");
            await FinishCrashAsync(p);
            // A crashed app mostly comes straight back; sometimes it stays away for a while.
            if (Rng.Next(3) != 0) await RestartAsync(p);
        }
        else
        {
            await RestartAsync(p);
        }
    }

    private async Task RestartAsync(SimPeer p)
    {
        if (p.Up) return;
        await p.OpenAsync();
        Log($"{p.Name} restarted from its files ({p.Db!.Store.Records.Count} records, {p.Db.Store.Records.PendingCount} pending)");
    }

    /// <summary>Closes a crashed peer and puts back its files as the crash left them.</summary>
    private async Task FinishCrashAsync(SimPeer p)
    {
        await p.CloseAsync();
        CrashCopy.Restore(p.Directory, p.CrashCopy!);
        p.CrashCopy = null;
    }

    private async Task SyncAsync(SimPeer p)
    {
        try
        {
            await p.Db!.SyncAsync();
            Log($"{p.Name} sync ok ({p.Db.Store.Records.PendingCount} pending)");
        }
        catch (SimCrashException)
        {
            await FinishCrashAsync(p);
            await RestartAsync(p);
        }
        catch (MyNoSqlException e)
        {
            Log($"{p.Name} sync failed: {e.Message}");
        }
    }

    private async Task SaveAsync(SimPeer p, string id, Op op)
    {
        var store = p.Db!.Store;
        var current = await store.ReadRecordAsync(id);
        if (Options.Attachments && await AttachmentStepAsync(p, id, current)) return;
        bool live = current is not null && !current.Winner.Deleted;
        double x = Rng.NextDouble();
        string? rev = null;
        bool expectConflict = false, unchanged = false;
        if (!live)
        {
            rev = x < 0.2 ? History.Of(id).Select(w => w.Rev.ToString()).FirstOrDefault() : null;
            // Absent here: created, the rev ignored (§2). Deleted here: a rev other than the tombstone's is stale (§3).
            expectConflict = rev is not null && current is not null && rev != current.Winner.Rev.ToString();
        }
        else if (x < 0.75) rev = current!.Winner.Rev.ToString();
        else if (x < 0.85) { rev = current!.Winner.Rev.ToString(); unchanged = true; }
        else
        {
            rev = x < 0.95 ? History.Of(id).Where(w => w.Rev != current!.Winner.Rev).Select(w => w.Rev.ToString()).LastOrDefault() : null;
            expectConflict = true;
        }
        var doc = unchanged
            ? JsonNode.Parse(current!.Winner.Body.Span)!.AsObject()
            : new JsonObject { ["v"] = op.Index, ["by"] = p.Name, ["pad"] = new string((char)('a' + op.Index % 26), Rng.Next(0, 40)) };
        if (!unchanged && Options.Policy is not null) PolicyFields(doc, live ? current!.Winner.Body : (ReadOnlyMemory<byte>?)null, op);
        doc["id"] = id;
        if (rev is not null) doc["rev"] = rev;
        JsonObject saved;
        try
        {
            saved = await p.Db.SaveDocAsync(doc);
        }
        catch (RevisionConflictException)
        {
            if (!expectConflict) Violation($"{p.Name} save of '{id}' with its current rev {rev} was refused as a conflict");
            else Log($"{p.Name} save '{id}' rev={rev ?? "none"}: conflict, as expected");
            var after = await store.ReadRecordAsync(id);
            if (Describe(after) != Describe(current)) Violation($"{p.Name} refused save of '{id}' still changed it: {Describe(current)} -> {Describe(after)}");
            return;
        }
        var newRev = Revision.Parse((string)saved["rev"]!);
        if (expectConflict) Violation($"{p.Name} save of '{id}' with stale rev {rev ?? "none"} was accepted as {newRev}");
        var stored = await store.ReadRecordAsync(id);
        if (stored is null || stored.Winner.Rev != newRev)
        {
            Violation($"{p.Name} read-your-writes: saved '{id}' as {newRev} but holds {Describe(stored)}");
            return;
        }
        if (unchanged)
        {
            if (newRev != current!.Winner.Rev) Violation($"{p.Name} unchanged save of '{id}' made a new revision {newRev}");
            Log($"{p.Name} save '{id}' unchanged: {Short(newRev)}");
            return;
        }
        var leaf = stored.Winner;
        History.Add(new Written(id, newRev, leaf.Ancestry.Length > 0 ? leaf.Ancestry[0] : default, false, Encoding.UTF8.GetString(leaf.Body.Span), p.Name, op.Index));
        Log($"{p.Name} save '{id}' -> {Short(newRev)} (parent {Short(leaf.Ancestry.FirstOrDefault())})");
    }

    /// <summary>
    /// With a merge policy, a save also writes the fields it names, from the current content: a new title (Latest), a
    /// score (Max), a tag added to the set (Union) and visits counted up (Counter).
    /// </summary>
    private void PolicyFields(JsonObject doc, ReadOnlyMemory<byte>? current, Op op)
    {
        var before = current is { } body ? JsonNode.Parse(body.Span)!.AsObject() : new JsonObject();
        doc["title"] = $"t{op.Index}";
        doc["score"] = Rng.Next(0, 100);
        var tags = before["tags"] is JsonArray old ? new JsonArray([.. old.Select(t => t?.DeepClone())]) : new JsonArray();
        if (Rng.Next(3) > 0) tags.Add($"g{Rng.Next(6)}");
        doc["tags"] = tags;
        long visits = before["visits"] is JsonValue v && v.TryGetValue(out long n) ? n : 0;
        doc["visits"] = visits + Rng.Next(1, 4);
    }

    private async Task DeleteAsync(SimPeer p, string id)
    {
        var current = await p.Db!.Store.ReadRecordAsync(id);
        bool live = current is not null && !current.Winner.Deleted;
        double x = Rng.NextDouble();
        string? rev;
        bool expectConflict = false;
        if (!live) rev = History.Of(id).Select(w => w.Rev.ToString()).LastOrDefault();
        else if (x < 0.7) rev = current!.Winner.Rev.ToString();
        else if (x < 0.85) rev = (current!.Conflicts.FirstOrDefault() ?? current.Winner).Rev.ToString();
        else
        {
            rev = History.Of(id).Where(w => current!.Leaves.All(l => l.Rev != w.Rev || l.Deleted)).Select(w => w.Rev.ToString()).FirstOrDefault();
            expectConflict = true;
        }
        try
        {
            var tombstone = Revision.Parse(await p.Db.DeleteDocAsync(id, rev!));
            if (!live || expectConflict) Violation($"{p.Name} delete of '{id}' rev={rev ?? "none"} succeeded (live={live}, expected a refusal)");
            History.Add(new Written(id, tombstone, Revision.Parse(rev!), true, "", p.Name, _step));
            Log($"{p.Name} delete '{id}' {Short(Revision.Parse(rev!))} -> {Short(tombstone)}");
        }
        catch (DocumentNotFoundException)
        {
            if (live) Violation($"{p.Name} delete of live '{id}' said not found");
            Log($"{p.Name} delete '{id}': not found");
        }
        catch (RevisionConflictException)
        {
            if (live && !expectConflict) Violation($"{p.Name} delete of '{id}' with a live leaf's rev {rev} was refused");
            Log($"{p.Name} delete '{id}' rev={rev ?? "none"}: conflict");
        }
        catch (ArgumentException)
        {
            Log($"{p.Name} delete '{id}' without a rev: refused");
        }
    }

    private async Task ResolveAsync(SimPeer p, string id)
    {
        var losers = await p.Db!.GetConflictsAsync(id);
        if (losers.Count == 0) return;
        var loser = losers[Rng.Next(losers.Count)];
        var rev = Revision.Parse((string)loser["rev"]!);
        var tombstone = Revision.Parse(await p.Db.DeleteDocAsync(id, rev.ToString()));
        History.Add(new Written(id, tombstone, rev, true, "", p.Name, _step));
        Log($"{p.Name} resolve '{id}': deleted loser {Short(rev)} -> {Short(tombstone)}");
    }

    private async Task ReadAsync(SimPeer p, string id)
    {
        JsonObject? doc;
        try
        {
            doc = await p.Db!.ReadDocAsync(id);
        }
        catch (SimCrashException)
        {
            await FinishCrashAsync(p);
            await RestartAsync(p);
            return;
        }
        if (doc is null)
        {
            Log($"{p.Name} read '{id}': null");
            return;
        }
        var rev = Revision.Parse((string)doc["rev"]!);
        Log($"{p.Name} read '{id}': {Short(rev)}");
        if (!History.TryGet(rev, out var w)) Violation($"{p.Name} read '{id}' returned revision {rev} that no save produced");
        else if (w.Deleted || w.Id != id || BodyOf(doc) != JsonNode.Parse(w.Body)!.ToJsonString())
            Violation($"{p.Name} read '{id}' returned {rev} with content {BodyOf(doc)}, but that revision was written as '{w.Id}' {(w.Deleted ? "tombstone" : w.Body)}");
    }

    /// <summary>
    /// Heal every link, restart every node, deliver everything in flight, then run fault-free sync rounds and
    /// anti-entropy until a whole pass changes nothing (bounded). False (with a violation) when it never settles.
    /// </summary>
    private async Task<bool> QuiesceAsync()
    {
        Net.FaultsEnabled = false;
        Net.HealAll();
        foreach (var m in Mirrors.Where(m => !m.Up)) { await m.OpenAsync(NextEpoch); Log($"{m.Name} restarted"); }
        foreach (var p in Peers.Where(p => !p.Up)) { await p.OpenAsync(); Log($"{p.Name} restarted"); }
        await DeliverAsync(all: true);
        string last = "";
        for (int pass = 1; pass <= 8; pass++)
        {
            foreach (var p in Peers)
            {
                try { await p.Db!.SyncAsync(); }
                catch (Exception e) when (e is MyNoSqlException or SimCrashException)
                {
                    Violation($"{p.Name}: a fault-free sync round failed at quiescence: {e.Message}");
                    return false;
                }
            }
            foreach (var from in Mirrors)
                foreach (var to in Mirrors.Where(t => t != from)) await AntiEntropyAsync(from, to);
            await DeliverAsync(all: true);
            string now = await FingerprintAsync();
            long pending = Peers.Sum(p => p.Db!.Store.Records.PendingCount);
            if (now == last && pending == 0)
            {
                Log($"quiescent after {pass} passes");
                return true;
            }
            last = now;
        }
        Violation("no quiescence after 8 fault-free passes of sync rounds and anti-entropy:\n" + last);
        return false;
    }
}
