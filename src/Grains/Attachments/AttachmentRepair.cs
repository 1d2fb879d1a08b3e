using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using MyNoSql.Grains.Storage;

namespace MyNoSql.Grains.Attachments;

/// <summary>
/// Anti-entropy for attachment bodies (DESIGN §9): a silo that holds a stub without its body (it was down during the
/// upload, or a copy failed) pulls the body from a silo that holds it. Records that replication or anti-entropy bring
/// are noted as they are merged; every <see cref="MirrorAttachmentOptions.ScanInterval"/> (and at the first round after
/// start) every stub of this silo's copy is checked. Runs in the anti-entropy rounds. Under <c>--replicas N</c> the scan
/// skips the records this silo keeps outside their replica set (until the rebalancer drops them): their holders have the
/// bodies, and fetching them here would only make stray copies for the collector. Noted records are merged ones, which
/// replication and the rebalancer send only to holders (so a new holder pulls the bodies of the records it receives).
/// </summary>
internal sealed partial class AttachmentRepair(MirrorAttachments attachments, AttachmentCopies copies, ILogger<AttachmentRepair> logger, MirrorStoreHost? host = null)
{
    private readonly ConcurrentDictionary<(string Database, string Digest), byte> _pending = new();
    private DateTime _nextScan = DateTime.MinValue;

    /// <summary>Bodies known to be wanted here and not yet checked or fetched.</summary>
    public int Pending => _pending.Count;

    /// <summary>Notes the stubs of a body just merged into this silo's copy (cheap: no I/O).</summary>
    public void Note(string database, ReadOnlyMemory<byte> body)
    {
        foreach (var digest in MirrorStubs.Of(body)) _pending.TryAdd((database, digest), 0);
    }

    /// <summary>One repair round: the periodic scan when due, then every pending body; returns the bodies fetched.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var store = host?.Current;
        if (store is null) return 0;
        if (DateTime.UtcNow >= _nextScan)
        {
            var interval = attachments.Options.ScanInterval;
            _nextScan = interval > TimeSpan.Zero ? DateTime.UtcNow + interval : DateTime.MaxValue;
            foreach (var database in store.Index.Databases())
            {
                foreach (var digest in await MirrorStubs.DigestsAsync(store, database, includeHistory: false, cancellationToken, copies.Placed ? id => copies.KeepsBodiesOf(database, id) : null).ConfigureAwait(false))
                    _pending.TryAdd((database, digest), 0);
            }
        }
        int fetched = 0;
        foreach (var key in _pending.Keys)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                if (attachments.Store(key.Database).HasBody(key.Digest))
                {
                    _pending.TryRemove(key, out _);
                    continue;
                }
                if (await copies.FetchAsync(key.Database, key.Digest, cancellationToken).ConfigureAwait(false))
                {
                    _pending.TryRemove(key, out _);
                    fetched++;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogRepairFailed(e, key.Database, key.Digest);
            }
        }
        if (fetched > 0) LogRepaired(fetched);
        return fetched;
    }

    [LoggerMessage(EventId = 3630, Level = LogLevel.Information, Message = "Attachment anti-entropy copied {Bodies} bodies here from other mirrors")]
    private partial void LogRepaired(int bodies);

    [LoggerMessage(EventId = 3631, Level = LogLevel.Warning, Message = "Attachment anti-entropy could not repair body {Digest} of {Database}; next round")]
    private partial void LogRepairFailed(Exception error, string database, string digest);
}
