using System.Text;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;

namespace MyNoSql.Storage.Tests.Engine;

/// <summary>
/// The shard's key directory: its first slot chunk and first key arena chunk start small and grow by copies, so the
/// keys, the entries written before a growth and lock-free reads of existing keys must all come through it intact.
/// </summary>
public sealed class KeyDirectoryTests
{
    private static byte[] Key(int i) => Encoding.UTF8.GetBytes($"key-{i:D6}-{new string((char)('a' + i % 26), i % 40)}");

    private static DirectoryEntry Entry(int i) => DirectoryEntry.InLog(default, RecordFlags.None, (ulong)i + 1, i % 7, i * 10L, i % 1000 + 1);

    [Fact]
    public void Keys_and_entries_survive_every_growth_of_the_first_chunks_and_past_them()
    {
        var dir = new KeyDirectory(capacity: 0);
        const int count = 40_000; // past the first slot chunk (16,384) and past a 1 MiB arena chunk (~2 MB of keys)
        for (int i = 0; i < count; i++)
        {
            int slot = dir.FindOrAdd(Key(i), out bool added);
            Assert.True(added);
            Assert.Equal(i, slot);
            dir.EntryAt(slot) = Entry(i);
            if (i % 997 == 0)
            {
                // Everything added so far, after whatever growth this add caused.
                for (int j = 0; j <= i; j += 101)
                {
                    Assert.Equal(j, dir.Find(Key(j)));
                    Assert.Equal(Key(j), dir.KeyAt(j).ToArray());
                    Assert.Equal((ulong)j + 1, dir.EntryAt(j).Lsn);
                }
            }
        }
        Assert.Equal(count, dir.Count);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(i, dir.FindOrAdd(Key(i), out bool added));
            Assert.False(added);
            Assert.Equal(Key(i), dir.KeyAt(i).ToArray());
            Assert.Equal(i * 10L, dir.EntryAt(i).Position);
        }
        Assert.Equal(-1, dir.Find("absent"u8));
    }

    [Fact]
    public async Task A_reader_of_existing_keys_without_the_lock_sees_them_while_the_chunks_grow()
    {
        var dir = new KeyDirectory(capacity: 0);
        for (int i = 0; i < 100; i++) dir.FindOrAdd(Key(i), out _);
        using var stop = new CancellationTokenSource();
        long checks = 0;
        using var reading = new ManualResetEventSlim();
        var reader = Task.Factory.StartNew(() =>
        {
            var random = new Random(3);
            while (!stop.IsCancellationRequested)
            {
                int i = random.Next(100);
                if (!dir.KeyAt(i).SequenceEqual(Key(i))) throw new InvalidOperationException($"key {i} read wrong during growth");
                if (++checks == 1) reading.Set();
            }
        }, TaskCreationOptions.LongRunning);
        Assert.True(reading.Wait(TimeSpan.FromSeconds(30)), "the reader did not start");
        long before = Interlocked.Read(ref checks);
        for (int i = 100; i < 30_000; i++) dir.FindOrAdd(Key(i), out _); // the single writer (the shard's lock holder)
        stop.Cancel();
        await reader;
        Assert.True(checks > before);
    }
}
