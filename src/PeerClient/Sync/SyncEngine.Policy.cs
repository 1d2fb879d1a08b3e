using System.Text.Json.Nodes;
using MyNoSql.Local;
using MyNoSql.Storage.Merging;

namespace MyNoSql.Sync;

internal sealed partial class SyncEngine
{
    /// <summary>Background rounds exchange the policy at most this often (a dirty local policy is pushed at once).</summary>
    private static readonly TimeSpan PolicyInterval = TimeSpan.FromSeconds(30);
    private DateTimeOffset _lastPolicyExchange = DateTimeOffset.MinValue;
    private int _policyDue;

    /// <summary>The next round exchanges the merge policy whatever the interval (an explicit SyncAsync).</summary>
    public void PolicyDue() => Volatile.Write(ref _policyDue, 1);

    /// <summary>
    /// The merge policy part of a round (DESIGN §8): a policy changed here (dirty) is PUT, else — at most every
    /// <see cref="PolicyInterval"/> unless an explicit sync asked — the mirrors' is fetched (GET). The newest stamp wins
    /// locally too; an adopted policy resolves the records already conflicted here. A transport that cannot carry
    /// policies (<see cref="NotSupportedException"/>) is skipped silently; an answer that is not a policy is recorded
    /// as the round's last error and ignored.
    /// </summary>
    private async Task ExchangePolicyAsync(string mirror, CancellationToken ct)
    {
        var m = _metadata();
        bool due = Interlocked.Exchange(ref _policyDue, 0) != 0 || _clock.GetUtcNow() - _lastPolicyExchange >= PolicyInterval;
        if (!m.MergePolicyDirty && !due) return;
        long sentStamp = m.MergePolicyStamp;
        bool pushed = m.MergePolicyDirty;
        JsonObject answer;
        try
        {
            var transport = Transport(mirror);
            answer = pushed
                ? await transport.PutMergePolicyAsync(mirror, _store.Name, MergePolicyJson.ToJson(m.ReadMergePolicy() ?? new MergePolicy(), sentStamp), ct).ConfigureAwait(false)
                : await transport.GetMergePolicyAsync(mirror, _store.Name, ct).ConfigureAwait(false);
        }
        catch (NotSupportedException)
        {
            _lastPolicyExchange = _clock.GetUtcNow();
            return;
        }
        catch (ArgumentException e)
        {
            // The mirror refused the policy (400 bad_policy): keep it dirty, say why, let the round go on.
            _lastPolicyExchange = _clock.GetUtcNow();
            RecordError($"{mirror}: {e.Message}");
            return;
        }
        _lastPolicyExchange = _clock.GetUtcNow();
        MergePolicy policy;
        long stamp;
        try
        {
            (policy, stamp) = MergePolicyJson.Parse(answer);
        }
        catch (ArgumentException e)
        {
            RecordError($"{mirror}: the merge policy answer is not a policy: {e.Message}");
            return;
        }
        _store.Replica.Clock.Observe(stamp);
        bool adopted = false;
        await _update(meta =>
        {
            adopted = false;
            if (stamp > meta.MergePolicyStamp)
            {
                meta.SetMergePolicy(policy, stamp, dirty: false);
                adopted = true;
            }
            // The mirrors hold what was pushed (or something newer, adopted above): nothing left to push, unless the
            // policy changed here again meanwhile (a newer stamp).
            else if (pushed && meta.MergePolicyDirty && meta.MergePolicyStamp == sentStamp && stamp >= sentStamp)
                meta.MergePolicyDirty = false;
        }, ct).ConfigureAwait(false);
        if (adopted && !policy.IsEmpty) await _store.ResolveConflictsAsync(policy, ct).ConfigureAwait(false);
    }
}
