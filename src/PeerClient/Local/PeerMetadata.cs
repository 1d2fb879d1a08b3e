using System.Text.Json;
using System.Text.Json.Serialization;

namespace MyNoSql.Local;

/// <summary>The small per-database file of peer settings: mode, known mirrors, sync checkpoint.</summary>
internal sealed class PeerMetadata
{
    public const string FileName = "peer.json";

    public int FormatVersion { get; set; } = 1;

    [JsonConverter(typeof(JsonStringEnumConverter<DbMode>))]
    public DbMode Mode { get; set; } = DbMode.Peer;

    public List<string> Mirrors { get; set; } = [];

    /// <summary>Mirrors the application removed (<see cref="MyNoSqlDb.RemovePeerAsync"/>): discovery does not learn them
    /// again; <see cref="MyNoSqlDb.AddPeerAsync"/> does.</summary>
    public List<string> RemovedMirrors { get; set; } = [];

    /// <summary>When each known mirror was last reachable or listed by a reachable mirror's <c>/mirrors</c> (UTC; rewritten
    /// at most hourly); a mirror unseen for <see cref="MyNoSqlOptions.MirrorPruneAfter"/> is pruned.</summary>
    public Dictionary<string, DateTimeOffset> MirrorLastSeen { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Pull checkpoint of the sync protocol, as the mirrors' <c>/sync/changes</c> issued it; null before the first pull.</summary>
    public string? SyncCheckpoint { get; set; }

    /// <summary>The mirror that issued <see cref="SyncCheckpoint"/> (null when unknown): a record read on demand from
    /// another mirror may be older than what the checkpoint covers, so such a read clears the checkpoint.</summary>
    public string? SyncCheckpointMirror { get; set; }

    /// <summary>The prefix filter the checkpoint was pulled with; null or empty = everything.</summary>
    public List<string>? SyncCheckpointPrefixes { get; set; }

    /// <summary>When the last complete pull started, or the first unfinished one (UTC; written at most every quarter horizon when nothing changed).</summary>
    public DateTimeOffset? LastPull { get; set; }

    /// <summary>The mirrors' tombstone horizon in seconds, as the last changes page said.</summary>
    public long? TombstoneHorizonSeconds { get; set; }

    /// <summary>A full resync (pull from the start, then reconcile what the peer holds) began and has not finished.</summary>
    public bool ResyncPending { get; set; }

    /// <summary>The database's merge policy (DESIGN §8): strategy name per top-level field (lowercase wire names);
    /// null or empty = none.</summary>
    public Dictionary<string, string>? MergePolicy { get; set; }

    /// <summary>The hybrid-clock stamp of the policy's last change (0: never set); the newest stamp wins.</summary>
    public long MergePolicyStamp { get; set; }

    /// <summary>The policy was changed here and no mirror has taken it yet (the next round PUTs it).</summary>
    public bool MergePolicyDirty { get; set; }

    /// <summary>When the last successful sync round completed (UTC), as <see cref="SyncStatus.LastSuccess"/>: the sync
    /// status outlives the process (each CLI command is one).</summary>
    public DateTimeOffset? LastSyncSuccess { get; set; }

    /// <summary>The mirror the last successful round used (<see cref="SyncStatus.MirrorInUse"/>).</summary>
    public string? LastSyncMirror { get; set; }

    /// <summary>The last round's error, null after a clean round (<see cref="SyncStatus.LastError"/>).</summary>
    public string? LastSyncError { get; set; }

    /// <summary>The stored merge policy (null: none or unreadable names, which <see cref="SetMergePolicy"/> never writes).</summary>
    public MergePolicy? ReadMergePolicy()
    {
        if (MergePolicy is not { Count: > 0 } fields) return null;
        var policy = new MergePolicy();
        foreach (var (name, strategy) in fields)
        {
            if (!Enum.TryParse<MergeStrategy>(strategy, ignoreCase: true, out var s) || !Enum.IsDefined(s)) continue;
            policy.Fields[name] = s;
        }
        return policy;
    }

    /// <summary>Stores a policy with its stamp (the caller validated it).</summary>
    public void SetMergePolicy(MergePolicy policy, long stamp, bool dirty)
    {
        MergePolicy = policy.Fields.Count == 0 ? null
            : policy.Fields.ToDictionary(f => f.Key, f => MyNoSql.Storage.Merging.MergePolicyJson.NameOf(f.Value), StringComparer.Ordinal);
        MergePolicyStamp = stamp;
        MergePolicyDirty = dirty;
    }

    public static async Task<PeerMetadata> LoadAsync(string directory, CancellationToken cancellationToken)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return new PeerMetadata();
        try
        {
            var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            var m = JsonSerializer.Deserialize(bytes, PeerMetadataJson.Default.PeerMetadata)
                ?? throw new CorruptDataException(path, 0, "empty metadata");
            // Files written before these fields existed leave them null; URLs compare case-insensitively.
            m.Mirrors ??= [];
            m.RemovedMirrors ??= [];
            m.MirrorLastSeen = new(m.MirrorLastSeen ?? [], StringComparer.OrdinalIgnoreCase);
            return m;
        }
        catch (JsonException e)
        {
            throw new CorruptDataException(path, e.BytePositionInLine ?? 0, $"metadata is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Replaces the file atomically: temp file, fsync, rename.</summary>
    public Task SaveAsync(string directory, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string path = Path.Combine(directory, FileName);
        string temp = path + ".tmp";
        var bytes = JsonSerializer.SerializeToUtf8Bytes(this, PeerMetadataJson.Default.PeerMetadata);
        // A few hundred bytes: a synchronous write and fsync is cheaper than going async.
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        return Task.CompletedTask;
    }
}

[JsonSerializable(typeof(PeerMetadata))]
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class PeerMetadataJson : JsonSerializerContext;
