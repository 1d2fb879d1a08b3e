using MyNoSql.Storage.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Engine;

/// <summary>
/// Every flag a caller sets reaches disk (log frames and segment indexes) and comes back on reopen; the version
/// stamp (<see cref="RecordHeader.Sequence"/>) the mirror's ETags are made of grows per write and survives reopening
/// and compaction.
/// </summary>
public class FlagPersistenceTests
{
    private static readonly RecordFlags[] Combinations =
    [
        RecordFlags.None,
        RecordFlags.HasOtherLeaves,
        RecordFlags.HasConflicts | RecordFlags.HasOtherLeaves,
        RecordFlags.Deleted | RecordFlags.HasOtherLeaves,
        RecordFlags.Deleted | RecordFlags.Pending | RecordFlags.HasConflicts | RecordFlags.HasOtherLeaves,
        RecordFlags.Deleted,
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Flags_survive_reopening_from_the_log_and_from_sealed_segments(bool seal)
    {
        using var dir = new TempDirectory();
        await using (var store = await RecordStore.OpenAsync(dir.Path, Small(sealOnClose: false)))
        {
            for (int i = 0; i < Combinations.Length; i++) await store.WriteAsync(Record($"k{i}", 1, Combinations[i]));
            if (seal) await store.CompactAsync();
        }
        if (seal) Assert.NotEmpty(Files(dir.Path, "seg-*.lzs"));

        await using var reopened = await RecordStore.OpenAsync(dir.Path, Small(sealOnClose: false));
        for (int i = 0; i < Combinations.Length; i++)
        {
            Assert.True(reopened.TryGetHeader($"k{i}", out var header));
            Assert.Equal(Combinations[i], header.Flags);
            Assert.Equal(Combinations[i], (await reopened.ReadAsync($"k{i}"))!.Flags);
        }
        Assert.Equal(Combinations, reopened.List().Select(h => h.Flags));
    }

    [Fact]
    public async Task The_sequence_grows_per_write_and_survives_clear_pending_compaction_and_reopening()
    {
        using var dir = new TempDirectory();
        ulong first, second;
        await using (var store = await RecordStore.OpenAsync(dir.Path, Small(sealOnClose: false)))
        {
            await store.WriteAsync(Record("a", 1, RecordFlags.Pending));
            Assert.True(store.TryGetHeader("a", out var h1));
            first = h1.Sequence;
            await store.WriteAsync(Record("b", 1));
            await store.WriteAsync(Record("a", 2, RecordFlags.Pending));
            Assert.True(store.TryGetHeader("a", out var h2));
            second = h2.Sequence;
            Assert.True(second > first);
            Assert.Equal(second, (await store.ReadAsync("a"))!.Sequence);

            await store.ClearPendingAsync([("a", Rev(2))]);
            Assert.True(store.TryGetHeader("a", out var cleared));
            Assert.Equal(RecordFlags.None, cleared.Flags);
            Assert.Equal(second, cleared.Sequence);
            await store.CompactAsync();
            Assert.True(store.TryGetHeader("a", out var sealedHeader));
            Assert.Equal(second, sealedHeader.Sequence);
        }
        await using var reopened = await RecordStore.OpenAsync(dir.Path, Small(sealOnClose: false));
        Assert.True(reopened.TryGetHeader("a", out var after));
        Assert.Equal(second, after.Sequence);
        Assert.Equal(second, (await reopened.ReadAsync("a"))!.Sequence);
        // Writes after reopening never reuse a stamp an earlier version had.
        await reopened.WriteAsync(Record("a", 3));
        Assert.True(reopened.TryGetHeader("a", out var third));
        Assert.True(third.Sequence > second);
    }
}
