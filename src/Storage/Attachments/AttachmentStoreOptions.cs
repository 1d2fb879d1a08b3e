namespace MyNoSql.Storage.Attachments;

/// <summary>Limits and layout of an <see cref="AttachmentStore"/>.</summary>
internal sealed record AttachmentStoreOptions
{
    /// <summary>Default <see cref="MaxAttachmentBytes"/>: 4 GiB (DESIGN §9).</summary>
    public const long DefaultMaxAttachmentBytes = 4L << 30;

    /// <summary>Default <see cref="ChunkSize"/>: 1 MiB.</summary>
    public const int DefaultChunkSize = 1 << 20;

    /// <summary>Largest body accepted by <see cref="AttachmentStore.PutAsync"/>; beyond it <see cref="AttachmentTooLargeException"/>.</summary>
    public long MaxAttachmentBytes { get; init; } = DefaultMaxAttachmentBytes;

    /// <summary>Chunk length (the last chunk of a body may be shorter). Chunks received by sync may be up to this size.</summary>
    public int ChunkSize { get; init; } = DefaultChunkSize;

    /// <summary>Whether chunk files, manifests and directory entries are fsynced (tests may turn it off; never in production).</summary>
    public bool Durable { get; init; } = true;

    /// <summary>Shared instance with the defaults.</summary>
    public static AttachmentStoreOptions Default { get; } = new();
}
