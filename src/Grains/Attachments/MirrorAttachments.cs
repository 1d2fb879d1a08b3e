using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyNoSql.Storage.Attachments;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Grains.Attachments;

/// <summary>
/// This silo's attachment chunk stores: one <see cref="AttachmentStore"/> per database under
/// <c>&lt;data&gt;/attachments/&lt;db&gt;</c>, opened on first use and closed when the silo stops. Thread-safe.
/// </summary>
internal sealed partial class MirrorAttachments(IOptions<MirrorAttachmentOptions> options, ILogger<MirrorAttachments> logger)
    : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<AttachmentStore>> _stores = new(StringComparer.Ordinal);
    private volatile bool _closed;

    /// <summary>The settings in force.</summary>
    public MirrorAttachmentOptions Options => options.Value;

    /// <summary>Largest body accepted.</summary>
    public long MaxAttachmentBytes => options.Value.MaxAttachmentBytes;

    /// <summary>Bytes per chunk of every store.</summary>
    public int ChunkSize => AttachmentStoreOptions.DefaultChunkSize;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(MirrorAttachments), ServiceLifecycleStage.RuntimeInitialize, _ => Task.CompletedTask, _ => DisposeAsync().AsTask());

    /// <summary>The chunk store of <paramref name="database"/> (created on first use).</summary>
    /// <exception cref="ArgumentException">Not a valid database name.</exception>
    /// <exception cref="ObjectDisposedException">The silo is stopping.</exception>
    public AttachmentStore Store(string database)
    {
        if (!DatabaseName.IsValid(database)) throw new ArgumentException($"Invalid database name '{database}'.", nameof(database));
        ObjectDisposedException.ThrowIf(_closed, this);
        return _stores.GetOrAdd(database, db => new Lazy<AttachmentStore>(() => Open(db), LazyThreadSafetyMode.ExecutionAndPublication)).Value;
    }

    /// <summary>The databases that have a chunk store on this silo (on disk or open).</summary>
    public IReadOnlyList<string> Databases()
    {
        var names = new SortedSet<string>(_stores.Keys, StringComparer.Ordinal);
        string root = Path.GetFullPath(options.Value.Directory);
        if (System.IO.Directory.Exists(root))
        {
            foreach (var dir in System.IO.Directory.EnumerateDirectories(root))
            {
                string name = Path.GetFileName(dir);
                if (DatabaseName.IsValid(name)) names.Add(name);
            }
        }
        return [.. names];
    }

    private AttachmentStore Open(string database)
    {
        string directory = Path.Combine(Path.GetFullPath(options.Value.Directory), database);
        var store = AttachmentStore.Open(directory, new AttachmentStoreOptions { MaxAttachmentBytes = options.Value.MaxAttachmentBytes });
        LogOpened(database, directory);
        return store;
    }

    public async ValueTask DisposeAsync()
    {
        _closed = true;
        foreach (var (database, store) in _stores)
        {
            if (!store.IsValueCreated) continue;
            try
            {
                await store.Value.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                LogCloseFailed(e, database);
            }
        }
        _stores.Clear();
    }

    [LoggerMessage(EventId = 3600, Level = LogLevel.Information, Message = "Attachment store of {Database} opened at {Directory}")]
    private partial void LogOpened(string database, string directory);

    [LoggerMessage(EventId = 3601, Level = LogLevel.Warning, Message = "Closing the attachment store of {Database} failed")]
    private partial void LogCloseFailed(Exception error, string database);
}
