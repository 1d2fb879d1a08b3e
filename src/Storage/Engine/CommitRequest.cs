using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Engine;

/// <summary>What the committer must apply to the directory for one frame once it is written.</summary>
internal readonly record struct FrameInfo(Revision Revision, RecordFlags Flags, FrameKind Kind, int Size);

/// <summary>
/// Work for a shard's committer: encoded frames (one caller's write or batch, contiguous in a pooled buffer whose
/// lsns and crcs the committer stamps), or a control action that runs in commit order.
/// </summary>
internal sealed class CommitRequest
{
    public CommitRequest(byte[] buffer, int length, FrameInfo[] frames)
    {
        Buffer = buffer;
        Length = length;
        Frames = frames;
    }

    public CommitRequest(Action<Shard> control)
    {
        Buffer = [];
        Frames = [];
        Control = control;
    }

    public byte[] Buffer { get; }
    public int Length { get; }
    public FrameInfo[] Frames { get; }
    public Action<Shard>? Control { get; }

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
