namespace MyNoSql.Pouch.Tests.Support;

/// <summary>
/// Two real mirrors (src/Silo processes, localhost clustering, fast anti-entropy). PouchDB talks to the second
/// mirror's <c>/couch/</c> (the one the kill scenario SIGKILLs and restarts); the scripts' native writes and reads go
/// to the first, so every scenario also checks that what PouchDB pushed is on another mirror, and the reverse.
/// </summary>
public sealed class MirrorTarget : ScenarioTarget
{
    public const string Name = "mirrors";
    public const int CouchMirror = 1;
    public const int NativeMirror = 0;

    public ProcessCluster Cluster { get; } = new(2, adoNet: false, "--anti-entropy-seconds", "1");

    public string MirrorUrl(int i) => Cluster.Mirrors[i].BaseUrl;

    public override string CouchUrl(string db) => $"{MirrorUrl(CouchMirror)}/couch/{db}";

    public override string? NativeUrl(string db) => $"{MirrorUrl(NativeMirror)}/db/{db}";

    public override Task KillAsync() => Cluster.Mirrors[CouchMirror].KillAsync();

    public override async Task RestartAsync()
    {
        var mirror = Cluster.StartMirror(CouchMirror);
        await mirror.WaitHealthyAsync(Http, TimeSpan.FromSeconds(90));
    }

    public override async Task InitializeAsync()
    {
        await NodeScripts.EnsureInstalledAsync();
        await Cluster.StartAsync();
    }

    public override async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Http.Dispose();
    }
}

[CollectionDefinition(MirrorTarget.Name)]
public sealed class MirrorCollection : ICollectionFixture<MirrorTarget>;
