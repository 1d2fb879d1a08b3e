using System.Threading.Channels;

namespace MyNoSql.Grains.Attachments;

/// <summary>
/// The copy of one upload's chunks to one other silo while the upload is still being read: a bounded queue (so a slow
/// silo slows the upload instead of filling memory) and <c>calls</c> calls in flight (each with its own pooled copy of
/// its chunk). After the first failure the silo is left to anti-entropy and its queue only drains.
/// </summary>
internal sealed class SiloForward
{
    private readonly IMirrorService _service;
    private readonly string _database;
    private readonly TimeSpan _timeout;
    private readonly Channel<SharedChunk> _queue;
    private readonly Task[] _workers;
    private volatile bool _failed;

    public SiloForward(SiloAddress silo, IMirrorService service, string database, int capacity, int calls, TimeSpan timeout)
    {
        Silo = silo;
        _service = service;
        _database = database;
        _timeout = timeout;
        _queue = Channel.CreateBounded<SharedChunk>(new BoundedChannelOptions(capacity) { SingleWriter = true });
        _workers = [.. Enumerable.Range(0, calls).Select(_ => Task.Run(WorkAsync))];
    }

    public SiloAddress Silo { get; }

    /// <summary>True once a chunk could not be copied (the silo then gets the body from anti-entropy or a later copy).</summary>
    public bool Failed => _failed;

    /// <summary>The first error, for the log.</summary>
    public Exception? Error { get; private set; }

    /// <summary>Queues a chunk (waits while the queue is full); the forward releases it when done.</summary>
    public ValueTask EnqueueAsync(SharedChunk chunk, CancellationToken cancellationToken) => _queue.Writer.WriteAsync(chunk, cancellationToken);

    /// <summary>No more chunks: completes once every queued chunk was copied or dropped.</summary>
    public Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        return Task.WhenAll(_workers);
    }

    /// <summary>Stops copying (the upload failed): queued chunks are only released.</summary>
    public void Abort()
    {
        _failed = true;
        _queue.Writer.TryComplete();
    }

    private async Task WorkAsync()
    {
        await foreach (var chunk in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (_failed)
            {
                chunk.Release();
                continue;
            }
            // The message carries its own pooled copy: the upload's buffer is free again at once, and a timed-out call
            // that is still serialized later reads only its own copy.
            var message = ChunkBuffers.Message(chunk.Memory.Span);
            string id = chunk.Id;
            chunk.Release();
            try
            {
                if (!await _service.PutAttachmentChunk(_database, id, message).WaitAsync(_timeout).ConfigureAwait(false))
                    throw new InvalidOperationException($"the silo refused chunk {id} (hash mismatch)");
            }
            catch (Exception e)
            {
                Error ??= e;
                _failed = true;
            }
        }
    }
}
