using System.Text;

namespace MyNoSql.Grains.Placement;

/// <summary>
/// Rendezvous (highest-random-weight) hashing of records over mirrors (DESIGN §12): a record's replica set is the
/// <c>N</c> mirrors with the highest score of (database, id, mirror identity). A mirror's identity is stable across
/// restarts (its silo name), so a restarted mirror owns the same records, and a join or a leave changes only the sets
/// the changed mirror enters or leaves (~N/M of the records). Pure: no clock, no randomness, no state.
/// </summary>
internal static class ReplicaPlacement
{
    /// <summary>64-bit hash of a record key (FNV-1a over the UTF-8 of <c>database \0 id</c>, then mixed).</summary>
    public static ulong KeyHash(string database, string id)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(id);
        ulong h = Fnv(Fnv(14695981039346656037UL, database), "\0");
        return Mix(Fnv(h, id));
    }

    /// <summary>64-bit hash of a mirror's stable identity.</summary>
    public static ulong MirrorHash(string identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return Mix(Fnv(1099511628211UL * 31, identity));
    }

    /// <summary>The rendezvous score of a record (its <see cref="KeyHash"/>) on a mirror (its <see cref="MirrorHash"/>).</summary>
    public static ulong Score(ulong keyHash, ulong mirrorHash) => Mix(keyHash ^ (mirrorHash * 0x9E3779B97F4A7C15UL));

    /// <summary>
    /// The indexes into <paramref name="mirrorHashes"/> of the record's <paramref name="replicas"/> holders, best score
    /// first (ties, which need equal 64-bit scores, go to the lower mirror hash). Every mirror when there are no more
    /// mirrors than replicas.
    /// </summary>
    public static int[] Choose(ulong keyHash, IReadOnlyList<ulong> mirrorHashes, int replicas)
    {
        ArgumentNullException.ThrowIfNull(mirrorHashes);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        int n = Math.Min(replicas, mirrorHashes.Count);
        var best = new int[n];
        var scores = new ulong[n];
        int filled = 0;
        for (int m = 0; m < mirrorHashes.Count; m++)
        {
            ulong s = Score(keyHash, mirrorHashes[m]);
            // Insertion into the short sorted prefix: N is small (3–5), so this beats sorting M scores.
            int at = filled;
            while (at > 0 && Better(s, mirrorHashes[m], scores[at - 1], mirrorHashes[best[at - 1]])) at--;
            if (at >= n) continue;
            int last = Math.Min(filled, n - 1);
            for (int k = last; k > at; k--)
            {
                scores[k] = scores[k - 1];
                best[k] = best[k - 1];
            }
            scores[at] = s;
            best[at] = m;
            if (filled < n) filled++;
        }
        return best;
    }

    /// <summary>The identities of a record's holders among <paramref name="mirrors"/>, best score first.</summary>
    public static string[] Choose(string database, string id, IReadOnlyList<string> mirrors, int replicas)
    {
        ArgumentNullException.ThrowIfNull(mirrors);
        var hashes = mirrors.Select(MirrorHash).ToArray();
        return [.. Choose(KeyHash(database, id), hashes, replicas).Select(i => mirrors[i])];
    }

    private static bool Better(ulong score, ulong hash, ulong otherScore, ulong otherHash) =>
        score > otherScore || (score == otherScore && hash < otherHash);

    private static ulong Fnv(ulong h, string s)
    {
        Span<byte> buffer = stackalloc byte[256];
        int max = Encoding.UTF8.GetMaxByteCount(s.Length);
        byte[]? rented = max > buffer.Length ? new byte[max] : null;
        var bytes = rented ?? buffer;
        int count = Encoding.UTF8.GetBytes(s, bytes);
        foreach (byte b in bytes[..count])
        {
            h ^= b;
            h *= 1099511628211UL;
        }
        return h;
    }

    // SplitMix64's finaliser: every input bit moves every output bit.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
