using Microsoft.Extensions.Logging;
using MyNoSql.Storage.Index;

namespace MyNoSql.Grains.Records;

/// <summary>
/// A report to the record's index segment that failed (the segment's silo was killed, or the call timed out) is sent
/// again in the background, with the record's winner at that time, until it succeeds: the segment's tail of the stores
/// (IndexSegmentGrain.TailStoresAsync) would also find it, but only at its next pass. Reports are idempotent. The timer
/// keeps the activation alive while a report is owed; it stops after <see cref="MaxIndexRetries"/>, leaving it to the tail.
/// </summary>
internal sealed partial class RecordGrain
{
    private const int MaxIndexRetries = 8;
    private IGrainTimer? _indexRetry;
    private int _indexRetries;

    private async Task ReportToIndexAsync()
    {
        var winner = _record!.Winner;
        try
        {
            var segment = GrainFactory.GetGrain<IIndexSegmentGrain>(RecordKey.Segment(_database, IndexSegment.SegmentOf(_id)));
            await segment.Apply(_id, winner.Rev.ToString(), winner.Deleted, _record.LeavesTag);
            _indexRetries = 0;
            _indexRetry?.Dispose();
            _indexRetry = null;
        }
        catch (Exception e)
        {
            LogIndexFailed(e, _database, _id);
            if (_indexRetry is null && _indexRetries < MaxIndexRetries)
            {
                // 1 s, 2 s, 4 s … (at most 30 s): the segment comes back once its silo is declared dead or restarted.
                var delay = TimeSpan.FromSeconds(Math.Min(30, 1 << Math.Min(_indexRetries, 5)));
                _indexRetry = this.RegisterGrainTimer(RetryIndexAsync, new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { KeepAlive = true });
            }
        }
    }

    private async Task RetryIndexAsync(CancellationToken cancellationToken)
    {
        _indexRetry?.Dispose();
        _indexRetry = null;
        _indexRetries++;
        if (_record is null) return;
        LogIndexRetry(_database, _id, _indexRetries);
        await ReportToIndexAsync();
    }

    [LoggerMessage(EventId = 2070, Level = LogLevel.Information, Message = "Reporting {Database}/{Id} to its index segment again (attempt {Attempt})")]
    private partial void LogIndexRetry(string database, string id, int attempt);
}
