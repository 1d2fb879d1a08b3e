using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using MyNoSql.Silo.Configuration;
using MyNoSql.Silo.Gateway;
using MyNoSql.Silo.Security;
using Orleans.Networking.Shared;

namespace MyNoSql.Silo.Hosting;

/// <summary>Builds and runs one mirror: configuration, the Orleans silo and the HTTP gateway on Kestrel.</summary>
internal static partial class MirrorHost
{
    /// <summary>Exit code for bad options.</summary>
    public const int UsageError = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        var app = Build(args, out int exitCode);
        if (app is null) return exitCode;
        await using (app.ConfigureAwait(false))
        {
            var options = app.Services.GetRequiredService<IOptions<MirrorOptions>>().Value;
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MirrorHost).FullName!);
            try
            {
                await app.StartAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (Find<Grains.Placement.ReplicaFactorMismatchException>(e) is { } mismatch)
            {
                // A setting that contradicts the running cluster is a bad option, not a failure of this machine (logged as
                // event 3520 by the check).
                await Console.Error.WriteLineAsync($"error: {mismatch.Message}").ConfigureAwait(false);
                return UsageError;
            }
            catch (Exception e) when (Find<Grains.Storage.MirrorStoreDamagedException>(e) is { } damaged)
            {
                // Logged once (event 2004) by the store's host; the message says what to do, a stack trace would not.
                await Console.Error.WriteLineAsync($"error: the mirror could not start: {damaged.Message}").ConfigureAwait(false);
                return 1;
            }
            catch (Exception e)
            {
                LogStartFailed(logger, e, e.Message);
                await Console.Error.WriteLineAsync($"error: the mirror could not start: {e.Message}").ConfigureAwait(false);
                return 1;
            }
            LogStarted(logger, options.EffectiveAdvertiseUrl(), Path.GetFullPath(options.Data), options.SiloPort, options.GatewayPort, options.Clustering, options.Storage);
            await app.WaitForShutdownAsync().ConfigureAwait(false);
            LogStopped(logger);
            return 0;
        }
    }

    /// <summary>The first <typeparamref name="T"/> in <paramref name="error"/> or its inner exceptions (Orleans wraps a failed start).</summary>
    private static T? Find<T>(Exception? error) where T : Exception => error switch
    {
        null => null,
        T found => found,
        AggregateException all => all.InnerExceptions.Select(Find<T>).FirstOrDefault(f => f is not null),
        _ => Find<T>(error.InnerException),
    };

    /// <summary>Builds the application, or returns null with the exit code after printing why (bad options, --help).</summary>
    public static WebApplication? Build(string[] args, out int exitCode)
    {
        exitCode = 0;
        if (args is ["--new-api-key", ..])
        {
            Console.WriteLine(ApiKeyGenerator.Describe(args.Length > 1 ? args[1] : "my-key"));
            return null;
        }
        var settings = CommandLine.Parse(args, out var error, out bool help);
        if (help)
        {
            Console.WriteLine(CommandLine.Usage);
            return null;
        }
        if (settings is null)
        {
            Console.Error.WriteLine($"error: {error}\n\n{CommandLine.Usage}");
            exitCode = UsageError;
            return null;
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddEnvironmentVariables("MYNOSQL_");
        builder.Configuration.AddInMemoryCollection(settings);

        var integerProblems = MirrorOptionsValidator.ValidateIntegers(builder.Configuration.GetSection(MirrorOptions.Section));
        if (integerProblems.Count > 0)
        {
            Console.Error.WriteLine("error: invalid options:\n  " + string.Join("\n  ", integerProblems));
            exitCode = UsageError;
            return null;
        }
        MirrorOptions options;
        try
        {
            options = builder.Configuration.GetSection(MirrorOptions.Section).Get<MirrorOptions>() ?? new MirrorOptions();
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"error: invalid setting: {e.Message}{(e.InnerException is null ? "" : " (" + e.InnerException.Message + ")")}");
            exitCode = UsageError;
            return null;
        }
        var problems = MirrorOptionsValidator.Validate(options);
        if (problems.Count > 0)
        {
            Console.Error.WriteLine("error: invalid options:\n  " + string.Join("\n  ", problems));
            exitCode = UsageError;
            return null;
        }

        string dataDirectory = Path.GetFullPath(options.Data);
        string siloName;
        try
        {
            siloName = SiloIdentity.LoadOrCreate(dataDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: cannot use data directory '{dataDirectory}': {e.Message}");
            exitCode = 1;
            return null;
        }

        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton<MembershipHolder>();
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(30));
        if (!options.RequestLogging)
            builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning)
                .AddFilter("Microsoft.AspNetCore.Routing", LogLevel.Warning);
        else
            builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Information);
        var securityProblems = GatewaySecurity.Configure(builder, options);
        // Registered after Kestrel's own factory, so Kestrel takes this one: 64 KiB receive blocks (ReceiveBlockPool).
        // Orleans' listeners receive into the same blocks (OrleansReceiveBlocks).
        var receiveBlocks = new ReceiveBlockPool();
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>>(receiveBlocks);
        builder.Services.PostConfigure<SocketConnectionOptions>(o => OrleansReceiveBlocks.TryUse(o, receiveBlocks));
        if (securityProblems.Count > 0)
        {
            Console.Error.WriteLine("error: invalid security settings:\n  " + string.Join("\n  ", securityProblems));
            exitCode = UsageError;
            return null;
        }
        builder.UseOrleans(silo =>
        {
            OrleansSetup.Configure(silo, options, dataDirectory, siloName);
            Observability.Configure(silo);
        });
        // After Orleans' own registration, so Orleans' connections take this one (OrleansReceiveBlocks).
        if (OrleansReceiveBlocks.SharedPool(receiveBlocks) is var (sharedType, shared)) builder.Services.AddSingleton(sharedType, shared);
        Observability.Configure(builder);

        var app = builder.Build();
        // Errors first, then routing: a routing failure still gets the JSON error body.
        app.UseMiddleware<ErrorHandlingMiddleware>();
        app.UseStatusCodePages(StatusCodeBodies.WriteAsync);
        app.Use(RequestTargets.InvokeAsync); // before routing: Kestrel's dot-segment removal must not move a record route
        app.UseRouting();
        GatewaySecurity.UsePipeline(app, options);
        ClusterEndpoints.Map(app);
        ServerEndpoints.Map(app);
        DocumentEndpoints.Map(app);
        LockEndpoints.Map(app);
        ListEndpoint.Map(app);
        SyncEndpoints.Map(app);
        SyncPollEndpoint.Map(app);
        ChangesEndpoints.Map(app);
        Couch.CouchEndpoints.Map(app); // DESIGN §10: the CouchDB replication protocol under /couch (src/Silo/Couch)
        QueryEndpoints.Map(app);
        DiagnosticsEndpoints.Map(app);
        MemoryEndpoint.Map(app);
        ReplicasEndpoint.Map(app);
        PingEndpoint.Map(app);
        Observability.Map(app);
        return app;
    }

    [LoggerMessage(EventId = 3060, Level = LogLevel.Information, Message = "Mirror up: HTTP {Url}, data {Data}, silo port {SiloPort}, gateway port {GatewayPort}, clustering {Clustering}, storage {Storage}")]
    private static partial void LogStarted(ILogger logger, string url, string data, int siloPort, int gatewayPort, string clustering, string storage);

    [LoggerMessage(EventId = 3061, Level = LogLevel.Critical, Message = "The mirror could not start: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, Exception error, string reason);

    [LoggerMessage(EventId = 3062, Level = LogLevel.Information, Message = "Mirror stopped")]
    private static partial void LogStopped(ILogger logger);
}
