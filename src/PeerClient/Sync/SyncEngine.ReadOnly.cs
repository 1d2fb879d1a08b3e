using System.Collections.Concurrent;

namespace MyNoSql.Sync;

// Rounds when some mirrors are --read-only (DESIGN §9): push to a writable mirror; with none reachable, still pull.
internal sealed partial class SyncEngine
{
    /// <summary>How long a mirror that answered 403 read_only is taken for read-only before a round tries to push to it
    /// again (an operator may restart it writable).</summary>
    private static readonly TimeSpan ReadOnlyRecheck = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _readOnlyUntil = new(StringComparer.OrdinalIgnoreCase);

    private bool IsKnownReadOnly(string mirror) => _readOnlyUntil.TryGetValue(mirror, out var until) && _clock.GetUtcNow() < until;

    /// <summary>
    /// No writable mirror could be reached but <paramref name="mirror"/> is read-only: pull from it (records, index,
    /// merge policy) and keep the outbox. With writes pending the round still fails, saying they stay in the outbox.
    /// </summary>
    /// <returns>False when the read-only mirror could not be reached either (the caller reports every error).</returns>
    private async Task<bool> PullOnlyRoundAsync(string mirror, List<string> errors, CancellationToken ct)
    {
        try
        {
            await RoundAsync(mirror, pullOnly: true, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MirrorUnavailableException or MirrorReadOnlyException)
        {
            if (e is MirrorUnavailableException) _health.Failed(mirror);
            errors.Add(e.Message);
            return false;
        }
        long pending = _store.Records.PendingCount;
        if (pending == 0)
        {
            Succeeded(mirror);
            return true;
        }
        _health.Succeeded(mirror);
        string message = $"Database '{_store.Name}': pulled from read-only mirror {mirror}, but no writable mirror could be reached " +
            $"({pending} writes stay in the outbox): {string.Join("; ", errors)}";
        RecordError(message);
        SyncLog.RoundFailed(_log, message);
        throw new MyNoSqlException(message);
    }
}
