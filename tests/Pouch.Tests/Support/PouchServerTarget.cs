namespace MyNoSql.Pouch.Tests.Support;

/// <summary>pouchdb-server 4.2 as the target: validates the scenario scripts against a reference implementation.</summary>
public sealed class PouchServerTarget : ScenarioTarget
{
    public const string Name = "pouchdb-server";

    public PouchServer Server { get; } = new();

    public override string CouchUrl(string db) => $"{Server.Url}/{db}";

    public override string? NativeUrl(string db) => null;

    public override Task KillAsync() => Server.KillAsync();

    public override Task RestartAsync() => Server.RestartAsync(Http, TimeSpan.FromSeconds(60));

    public override async Task InitializeAsync()
    {
        await NodeScripts.EnsureInstalledAsync();
        await Server.StartAsync(Http, TimeSpan.FromSeconds(60));
    }

    public override async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Http.Dispose();
    }
}

[CollectionDefinition(PouchServerTarget.Name)]
public sealed class PouchServerCollection : ICollectionFixture<PouchServerTarget>;
