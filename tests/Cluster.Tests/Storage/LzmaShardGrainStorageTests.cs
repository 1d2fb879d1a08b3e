using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyNoSql.Cluster.Tests.Support;
using MyNoSql.Grains.Storage;
using Orleans.Serialization;
using Orleans.Storage;

namespace MyNoSql.Cluster.Tests.Storage;

/// <summary>Test state for the storage conformance cases.</summary>
[GenerateSerializer, Alias("mynosql.tests.CounterState")]
public sealed class CounterState
{
    [Id(0)] public int Value { get; set; }
    [Id(1)] public string? Name { get; set; }
}

/// <summary>
/// Conformance of the <c>lzma-shards</c> <see cref="IGrainStorage"/> (the cases of Orleans' storage test kit):
/// missing state, round trip, ETag checks on every write, clear, isolation by state name and grain id, durability
/// across reopening. (A replica write landing underneath a record grain is covered in RecordGrainTests.)
/// </summary>
public sealed class LzmaShardGrainStorageTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("mynosql-storage-");
    private readonly Serializer _serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
    private MirrorStoreHost _host = null!;
    private LzmaShardGrainStorage _storage = null!;

    public async Task InitializeAsync() => await OpenAsync();

    public async Task DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None);
        _dir.Dispose();
    }

    [Fact]
    public async Task Reading_a_missing_state_reports_no_record_and_no_etag()
    {
        var state = new GrainState<CounterState>(new CounterState());
        await _storage.ReadStateAsync("counter", Grain("missing"), state);
        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Equal(0, state.State!.Value);
    }

    [Fact]
    public async Task A_written_state_reads_back_with_the_same_etag_and_survives_reopening()
    {
        var id = Grain("roundtrip");
        var written = new GrainState<CounterState>(new CounterState { Value = 42, Name = "ünïcode" });
        await _storage.WriteStateAsync("counter", id, written);
        Assert.NotNull(written.ETag);
        Assert.True(written.RecordExists);

        var read = await ReadAsync("counter", id);
        Assert.Equal((42, "ünïcode"), (read.State!.Value, read.State.Name));
        Assert.Equal(written.ETag, read.ETag);

        await _host.StopAsync(CancellationToken.None);
        await OpenAsync();
        var reopened = await ReadAsync("counter", id);
        Assert.Equal(42, reopened.State!.Value);
        Assert.Equal(written.ETag, reopened.ETag);
    }

    [Fact]
    public async Task A_write_with_a_stale_or_missing_etag_is_refused_and_changes_nothing()
    {
        var id = Grain("etag");
        var first = new GrainState<CounterState>(new CounterState { Value = 1 });
        await _storage.WriteStateAsync("counter", id, first);
        string? stale = first.ETag;
        first.State = new CounterState { Value = 2 };
        await _storage.WriteStateAsync("counter", id, first);

        var late = new GrainState<CounterState>(new CounterState { Value = 99 }) { ETag = stale };
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("counter", id, late));
        var blind = new GrainState<CounterState>(new CounterState { Value = 98 });
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("counter", id, blind));
        Assert.Equal(2, (await ReadAsync("counter", id)).State!.Value);
    }

    [Fact]
    public async Task Of_concurrent_writers_holding_the_same_etag_exactly_one_wins()
    {
        var id = Grain("race");
        var seed = new GrainState<CounterState>(new CounterState { Value = 0 });
        await _storage.WriteStateAsync("counter", id, seed);
        var attempts = Enumerable.Range(1, 8).Select(async i =>
        {
            var s = new GrainState<CounterState>(new CounterState { Value = i }) { ETag = seed.ETag };
            try { await _storage.WriteStateAsync("counter", id, s); return i; }
            catch (InconsistentStateException) { return 0; }
        });
        var winners = (await Task.WhenAll(attempts)).Where(i => i != 0).ToList();
        Assert.Single(winners);
        Assert.Equal(winners[0], (await ReadAsync("counter", id)).State!.Value);
    }

    [Fact]
    public async Task Clearing_removes_the_state_and_a_first_write_may_follow()
    {
        var id = Grain("clear");
        var state = new GrainState<CounterState>(new CounterState { Value = 5 });
        await _storage.WriteStateAsync("counter", id, state);
        await _storage.ClearStateAsync("counter", id, state);
        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
        Assert.False((await ReadAsync("counter", id)).RecordExists);
        var again = new GrainState<CounterState>(new CounterState { Value = 6 });
        await _storage.WriteStateAsync("counter", id, again);
        Assert.Equal(6, (await ReadAsync("counter", id)).State!.Value);
    }

    [Fact]
    public async Task States_are_isolated_by_state_name_and_grain_id()
    {
        await _storage.WriteStateAsync("a", Grain("x"), new GrainState<CounterState>(new CounterState { Value = 1 }));
        await _storage.WriteStateAsync("b", Grain("x"), new GrainState<CounterState>(new CounterState { Value = 2 }));
        await _storage.WriteStateAsync("a", Grain("y"), new GrainState<CounterState>(new CounterState { Value = 3 }));
        await _storage.WriteStateAsync("a", GrainId.Create("other", "x"), new GrainState<CounterState>(new CounterState { Value = 4 }));
        Assert.Equal(1, (await ReadAsync("a", Grain("x"))).State!.Value);
        Assert.Equal(2, (await ReadAsync("b", Grain("x"))).State!.Value);
        Assert.Equal(3, (await ReadAsync("a", Grain("y"))).State!.Value);
        Assert.Equal(4, (await ReadAsync("a", GrainId.Create("other", "x"))).State!.Value);
    }

    private async Task<GrainState<CounterState>> ReadAsync(string stateName, GrainId id)
    {
        var state = new GrainState<CounterState>(new CounterState());
        await _storage.ReadStateAsync(stateName, id, state);
        return state;
    }

    private static GrainId Grain(string key) => GrainId.Create("counter", key);

    private async Task OpenAsync()
    {
        _host = new MirrorStoreHost(Options.Create(new LzmaShardStorageOptions { Directory = _dir.Path }), NullLogger<MirrorStoreHost>.Instance);
        await _host.StartAsync(CancellationToken.None);
        _storage = new LzmaShardGrainStorage(_host, _serializer);
    }
}
