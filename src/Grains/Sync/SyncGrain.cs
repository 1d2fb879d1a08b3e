using MyNoSql.Grains.Records;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Sync;
using Orleans.Concurrency;

namespace MyNoSql.Grains.Sync;

/// <summary>The mirror side of peer sync for one database (stateless: any silo, many activations).</summary>
[StatelessWorker]
internal sealed class SyncGrain(Microsoft.Extensions.Options.IOptions<MirrorGrainOptions> options) : Grain, ISyncGrain
{
    private const int MaxLimit = 10_000;
    private const int Parallelism = 64;

    private string Database => this.GetPrimaryKeyString();

    public async ValueTask<string> GetToken()
    {
        var digests = await Task.WhenAll(Enumerable.Range(0, SyncCheckpoint.Segments)
            .Select(async s => await Segment(s).GetDigest()));
        var vector = new long[SyncCheckpoint.Length];
        foreach (var d in digests)
        {
            vector[d.Segment * 2] = d.Epoch;
            vector[d.Segment * 2 + 1] = d.Sequence;
        }
        return SyncCheckpoint.Token(vector);
    }

    public async ValueTask<SyncChanges> GetChanges(long[] checkpoint, int limit, string[] prefixes, CancellationToken cancellationToken = default)
    {
        if (!SyncCheckpoint.IsValid(checkpoint)) throw new ArgumentException($"A checkpoint has {SyncCheckpoint.Length} numbers.", nameof(checkpoint));
        var from = checkpoint is { Length: SyncCheckpoint.Length } ? checkpoint : SyncCheckpoint.Empty();
        limit = Math.Clamp(limit, 1, MaxLimit);
        var pages = await Task.WhenAll(Enumerable.Range(0, SyncCheckpoint.Segments)
            .Select(async s => await Segment(s).ChangesSince(from[s * 2], from[s * 2 + 1], limit, cancellationToken)));
        var next = (long[])from.Clone();
        var entries = new List<IndexEntryInfo>();
        bool more = false;
        int budget = limit;
        for (int s = 0; s < pages.Length; s++)
        {
            var page = pages[s];
            int take = Math.Min(budget, page.Entries.Length);
            for (int i = 0; i < take; i++)
            {
                if (Matches(page.Entries[i].Id, prefixes)) entries.Add(page.Entries[i]);
            }
            budget -= take;
            if (take == page.Entries.Length)
            {
                // Whole page: the segment's position after it (its last entry's sequence when the grain cut it).
                next[s * 2] = page.Epoch;
                next[s * 2 + 1] = page.Sequence;
                more |= page.HasMore;
            }
            else
            {
                // The budget ran out inside this segment: keep its old position, or stop after what was taken.
                more = true;
                if (take > 0)
                {
                    next[s * 2] = page.Epoch;
                    next[s * 2 + 1] = page.Entries[take - 1].Sequence;
                }
            }
        }
        return new SyncChanges(next, [.. entries], more, (long)options.Value.TombstoneHorizon.TotalSeconds);
    }

    public async ValueTask<SyncPushReply> Push(byte[] batch)
    {
        IReadOnlyList<DocumentRecord> records;
        try
        {
            records = RecordBatch.Decode(batch);
        }
        catch (FormatException e)
        {
            return new SyncPushReply(e.Message, []);
        }
        var results = new MergeStatus[records.Count];
        using var gate = new SemaphoreSlim(Parallelism);
        await Task.WhenAll(records.Select(async (record, i) =>
        {
            await gate.WaitAsync();
            try
            {
                var grain = GrainFactory.GetGrain<IRecordGrain>(RecordKey.For(Database, record.Id));
                var status = MergeStatus.AlreadyKnown;
                foreach (var leaf in record.Leaves)
                {
                    var s = await grain.Accept(LeafWire.ToWire(leaf));
                    status = Stronger(status, s);
                }
                results[i] = status;
            }
            finally
            {
                gate.Release();
            }
        }));
        return new SyncPushReply(null, results);
    }

    public async ValueTask<byte[]> Fetch(string[] ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var records = new DocumentRecord?[ids.Length];
        using var gate = new SemaphoreSlim(Parallelism);
        await Task.WhenAll(ids.Select(async (id, i) =>
        {
            await gate.WaitAsync();
            try
            {
                var wire = await GrainFactory.GetGrain<IRecordGrain>(RecordKey.For(Database, id)).GetLeaves();
                var leaves = new List<RevisionLeaf>(wire.Length);
                foreach (var w in wire)
                {
                    if (LeafWire.TryFromWire(w, verify: false, out var leaf, out _)) leaves.Add(leaf);
                }
                if (leaves.Count > 0) records[i] = DocumentRecord.Create(id, leaves);
            }
            finally
            {
                gate.Release();
            }
        }));
        return RecordBatch.Encode([.. records.Where(r => r is not null).Select(r => r!)]);
    }

    private IIndexSegmentGrain Segment(int segment) => GrainFactory.GetGrain<IIndexSegmentGrain>(RecordKey.Segment(Database, segment));

    private static bool Matches(string id, string[] prefixes)
    {
        if (prefixes is null || prefixes.Length == 0) return true;
        foreach (var p in prefixes)
        {
            if (id.StartsWith(p, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>Invalid over QuorumUnavailable (push again) over Conflict over Accepted over AlreadyKnown.</summary>
    private static MergeStatus Stronger(MergeStatus a, MergeStatus b)
    {
        static int Rank(MergeStatus s) => s switch
        {
            MergeStatus.Invalid => 4,
            MergeStatus.QuorumUnavailable => 3,
            MergeStatus.Conflict => 2,
            MergeStatus.Accepted => 1,
            _ => 0,
        };
        return Rank(b) > Rank(a) ? b : a;
    }
}
