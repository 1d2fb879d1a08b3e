namespace MyNoSql.Storage.Documents;

/// <summary>Striped async locks by key: bounded memory, no per-key allocation, deadlock-free multi-key acquire.</summary>
internal sealed class KeyLocks
{
    private const int StripeCount = 256;
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, StripeCount).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    private static int StripeOf(string key) => (int)((uint)StringComparer.Ordinal.GetHashCode(key) % StripeCount);

    public async ValueTask<Releaser> AcquireAsync(string key, CancellationToken cancellationToken)
    {
        int stripe = StripeOf(key);
        await _stripes[stripe].WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Releaser(this, [stripe]);
    }

    /// <summary>Acquires every stripe the keys map to, in ascending order so concurrent batches cannot deadlock.</summary>
    public async ValueTask<Releaser> AcquireManyAsync(IEnumerable<string> keys, CancellationToken cancellationToken)
    {
        var stripes = keys.Select(StripeOf).Distinct().Order().ToArray();
        int taken = 0;
        try
        {
            for (; taken < stripes.Length; taken++)
                await _stripes[stripes[taken]].WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            for (int i = 0; i < taken; i++) _stripes[stripes[i]].Release();
            throw;
        }
        return new Releaser(this, stripes);
    }

    public readonly struct Releaser(KeyLocks owner, int[] stripes) : IDisposable
    {
        public void Dispose()
        {
            foreach (int s in stripes) owner._stripes[s].Release();
        }
    }
}
