using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;
using MyNoSql.Sync;

namespace MyNoSql.Simulation.Tests.Sim;

// Every message between nodes: peer calls, replication, anti-entropy and the delivery of delayed messages.
internal sealed partial class SimWorld
{
    /// <summary>A call from a peer's sync engine to a mirror, through the network: may be refused, lost, delayed, duplicated.</summary>
    public async Task<T> PeerCallAsync<T>(int peer, int mirror, string what, bool duplicable, Func<SimMirror, Task<T>> handler)
    {
        var p = Peers[peer];
        var m = Mirrors[mirror];
        bool crashNow = p.CrashAfterCalls == 0;
        if (p.CrashAfterCalls > 0) p.CrashAfterCalls--;
        if (crashNow && !p.CrashAfterApply) CrashMidRound(p, $"before sending {what} to {m.Name}");
        var fault = Net.Decide(Rng, p.Name, m.Name, m.Up, duplicable);
        Log($"{p.Name}->{m.Name} {what}{(fault == Fault.None ? "" : " " + fault)}");
        T result;
        switch (fault)
        {
            case Fault.Refused:
                Net.Advance(1);
                throw new MirrorUnavailableException($"{m.Name}: connection refused");
            case Fault.DropRequest:
                Net.Advance(Options.TimeoutMs);
                throw new MirrorUnavailableException($"{m.Name}: timed out");
            case Fault.DelayRequest:
                Net.Enqueue(Net.Now + Options.TimeoutMs + Rng.Next(1, 3000), p.Name, m.Name, what, async () => await handler(m));
                Net.Advance(Options.TimeoutMs);
                throw new MirrorUnavailableException($"{m.Name}: timed out");
            case Fault.DropResponse:
                await handler(m);
                Net.Advance(Options.TimeoutMs);
                if (crashNow) CrashMidRound(p, $"after {m.Name} applied {what}");
                throw new MirrorUnavailableException($"{m.Name}: timed out");
            case Fault.Duplicate:
                result = await handler(m);
                if (Rng.Next(2) == 0) await handler(m);
                else Net.Enqueue(Net.Now + Rng.Next(1, 3000), p.Name, m.Name, what + " (duplicate)", async () => await handler(m));
                break;
            default:
                Net.Advance(Rng.Next(1, 50));
                result = await handler(m);
                break;
        }
        if (crashNow) CrashMidRound(p, $"after {m.Name} answered {what}");
        return result;
    }

    /// <summary>A call between mirrors (replication, anti-entropy); false when the caller got no answer.</summary>
    public async Task<(bool Ok, T? Value)> MirrorCallAsync<T>(SimMirror from, SimMirror to, string what, bool duplicable, Func<SimMirror, Task<T>> handler)
    {
        var fault = Net.Decide(Rng, from.Name, to.Name, to.Up, duplicable);
        if (fault != Fault.None) Log($"{from.Name}->{to.Name} {what} {fault}");
        switch (fault)
        {
            case Fault.Refused:
                return (false, default);
            case Fault.DropRequest:
                Net.Advance(Options.TimeoutMs / 4);
                return (false, default);
            case Fault.DelayRequest:
                Net.Enqueue(Net.Now + Options.TimeoutMs + Rng.Next(1, 3000), from.Name, to.Name, what, async () => await handler(to));
                Net.Advance(Options.TimeoutMs / 4);
                return (false, default);
            case Fault.DropResponse:
                await handler(to);
                Net.Advance(Options.TimeoutMs / 4);
                return (false, default);
            case Fault.Duplicate:
                var value = await handler(to);
                Net.Enqueue(Net.Now + Rng.Next(1, 3000), from.Name, to.Name, what + " (duplicate)", async () => await handler(to));
                return (true, value);
            default:
                Net.Advance(Rng.Next(1, 10));
                return (true, await handler(to));
        }
    }

    /// <summary>Replicator.ReplicateAsync: the leaf to every other active mirror; true once a write quorum holds it.</summary>
    public async Task<bool> ReplicateAsync(SimMirror from, string id, RevisionLeaf leaf)
    {
        var others = Mirrors.Where(o => o != from && o.Up).ToList();
        if (others.Count == 0) return true;
        int needed = (others.Count + 1) / 2 + 1 - 1;
        int acks = 0;
        foreach (var other in others)
        {
            var (ok, _) = await MirrorCallAsync(from, other, $"replicate {id} {leaf.Rev}", duplicable: true, t => t.ApplyAsync(id, leaf));
            if (ok) acks++;
        }
        if (acks < needed) Log($"{from.Name} quorum missed for {id} {leaf.Rev}: {acks}/{needed}");
        return acks >= needed;
    }

    /// <summary>AntiEntropyWorker.CompareWithAsync: for every segment whose digest differs, push what this mirror holds differently.</summary>
    public async Task AntiEntropyAsync(SimMirror from, SimMirror to)
    {
        if (!from.Up) return;
        if (Options.Attachments) await RepairBodiesAsync(from, to);
        var (ok, theirs) = await MirrorCallAsync(from, to, "digests", duplicable: false, t => Task.FromResult(t.Digests()));
        if (!ok) return;
        var ours = from.Digests();
        int pushed = 0;
        for (int s = 0; s < ours.Length; s++)
        {
            if (theirs![s] == ours[s]) continue;
            var (got, remote) = await MirrorCallAsync(from, to, $"segment {s}", duplicable: false, t => Task.FromResult(t.Segment(s)));
            if (!got) return;
            var remoteById = remote!.ToDictionary(e => e.Id, StringComparer.Ordinal);
            foreach (var entry in from.Segment(s))
            {
                if (remoteById.TryGetValue(entry.Id, out var r) && r.Rev == entry.Rev && r.Deleted == entry.Deleted && !Options.LeafDigests) continue;
                var record = await from.ReadRecordAsync(entry.Id);
                if (record is null) continue;
                foreach (var leaf in record.Leaves)
                {
                    var (applied, _) = await MirrorCallAsync(from, to, $"repair {entry.Id} {leaf.Rev}", duplicable: true, t => t.ApplyAsync(entry.Id, leaf));
                    if (!applied) return;
                }
                pushed++;
            }
        }
        if (pushed > 0) Log($"anti-entropy {from.Name}->{to.Name} pushed {pushed} records");
    }

    /// <summary>Delivers the messages in flight that are due (or all of them); a message to a node that is down or cut off is lost.</summary>
    public async Task DeliverAsync(bool all)
    {
        while (true)
        {
            var due = Net.TakeDue(all);
            if (due.Count == 0) return;
            foreach (var message in due)
            {
                var to = Mirrors.First(m => m.Name == message.To);
                if (!to.Up || Net.IsCut(message.From, message.To))
                {
                    Log($"lost in flight: {message.From}->{message.To} {message.What}");
                    continue;
                }
                Log($"delivered late: {message.From}->{message.To} {message.What}");
                await message.Deliver();
            }
            if (!all) return;
        }
    }

    private void CrashMidRound(SimPeer p, string when)
    {
        p.CrashAfterCalls = -1;
        p.CrashCopy = CrashCopy.Take(p.Directory);
        Log($"{p.Name} CRASH mid-round {when}");
        throw new SimCrashException(p.Name);
    }
}
