using System.Text;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;

namespace MyNoSql.Storage.Tests.Engine;

/// <summary>A temp directory removed after the test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mynosql-engine-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}

internal static class EngineTestSupport
{
    /// <summary>Small sizes so sealing, rotation and multi-block segments happen with little data.</summary>
    public static StoreOptions Small(int shards = 2, bool background = false, bool sealOnClose = true,
        DurabilityMode durability = DurabilityMode.Durable, long logThreshold = 64 << 10, int blockSize = 4096, long cacheBytes = 1 << 20,
        bool dedicatedThreads = true, bool inlineCommits = false, Action<int>? beforeLogWrite = null, bool omitDerived = true) => new()
    {
        OmitDerivedRevisions = omitDerived,
        ShardCount = shards,
        BackgroundCompaction = background,
        SealOnClose = sealOnClose,
        Durability = durability,
        LogSealThresholdBytes = logThreshold,
        BlockSize = blockSize,
        LzmaDictionarySize = 64 << 10,
        LzmaFastBytes = 16,
        BlockCacheBytes = cacheBytes,
        RelaxedFlushInterval = TimeSpan.FromMilliseconds(20),
        DedicatedCommitThreads = dedicatedThreads,
        InlineCommits = inlineCommits,
        BeforeLogWrite = beforeLogWrite,
    };

    public static Revision Rev(int generation, int salt = 0) => new(generation, (ulong)salt * 7919 + 1, (ulong)generation * 31 + (ulong)salt);

    public static string Body(string key, int version, int padding = 150)
        => $"{{\"key\":\"{key}\",\"v\":{version},\"temperature\":{version % 40}.5,\"pad\":\"{new string('x', padding)}\"}}";

    public static StoredRecord Record(string key, int version, RecordFlags flags = RecordFlags.None, int padding = 150)
        => new(key, Rev(version), flags, Encoding.UTF8.GetBytes(Body(key, version, padding)));

    public static string Text(StoredRecord? record) => record is null ? "<null>" : Encoding.UTF8.GetString(record.Payload.Span);

    public static string[] Files(string root, string pattern) => Directory.GetFiles(root, pattern, SearchOption.AllDirectories);

    /// <summary>Polls until <paramref name="condition"/> holds (background work), failing after the timeout.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, int timeoutMs = 20_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Timed out waiting for " + what);
            await Task.Delay(10);
        }
    }
}
