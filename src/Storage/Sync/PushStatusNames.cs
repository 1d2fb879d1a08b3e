namespace MyNoSql.Storage.Sync;

/// <summary>The wire names of <see cref="PushStatus"/> in push answers (<c>{"results":[{"id","rev","status"}]}</c>).</summary>
public static class PushStatusNames
{
    /// <summary>The wire name of <paramref name="status"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined status.</exception>
    public static string ToWire(PushStatus status) => status switch
    {
        PushStatus.Accepted => "accepted",
        PushStatus.Known => "known",
        PushStatus.Conflict => "conflict",
        PushStatus.Invalid => "invalid",
        PushStatus.QuorumUnavailable => "quorum_unavailable",
        PushStatus.NeedWhole => "need_whole",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Not a push status."),
    };

    /// <summary>The status named <paramref name="name"/>; false for any other text.</summary>
    public static bool TryParse(string? name, out PushStatus status)
    {
        foreach (var s in Enum.GetValues<PushStatus>())
        {
            if (string.Equals(ToWire(s), name, StringComparison.Ordinal))
            {
                status = s;
                return true;
            }
        }
        status = PushStatus.Invalid;
        return false;
    }

    /// <summary>The status named <paramref name="name"/>, as a peer reads a push answer.</summary>
    /// <exception cref="FormatException"><paramref name="name"/> is not a push status (a malformed answer).</exception>
    public static PushStatus Parse(string? name) =>
        TryParse(name, out var status) ? status : throw new FormatException($"'{name}' is not a push status.");

    /// <summary>True when the leaf is stored for good: accepted, known or kept as a conflict.</summary>
    public static bool IsAcknowledged(PushStatus status) => status is PushStatus.Accepted or PushStatus.Known or PushStatus.Conflict;
}
