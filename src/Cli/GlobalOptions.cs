using System.CommandLine;
using MyNoSql.Cli.Clients;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Cli;

/// <summary>The options every command takes (DESIGN §11): where the database is, and the output form.</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Data { get; } = new("--data")
    {
        Description = "A local peer: DIR as MyNoSqlOptions.DataDirectory (env MYNOSQL_DATA)",
        HelpName = "DIR",
        Recursive = true,
    };

    public Option<string?> Mirror { get; } = new("--mirror")
    {
        Description = "A mirror's HTTP gateway, e.g. http://127.0.0.1:8800 (env MYNOSQL_MIRROR); with --data on sync: the mirror to add",
        HelpName = "URL",
        Recursive = true,
    };

    public Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = "API key sent to the mirror (env MYNOSQL_API_KEY)",
        HelpName = "K",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Machine-readable JSON output",
        Recursive = true,
    };

    public Option<double> Timeout { get; } = new("--timeout")
    {
        Description = "Seconds to wait for a mirror's answer (with --data: for each request the peer sends its mirrors)",
        HelpName = "S",
        Recursive = true,
        DefaultValueFactory = _ => 100,
    };

    public void AddTo(Command root)
    {
        root.Add(Data);
        root.Add(Mirror);
        root.Add(ApiKey);
        root.Add(Json);
        root.Add(Timeout);
    }

    /// <summary>The options of one invocation, with the environment as fallback.</summary>
    public Settings Read(ParseResult result) => new(
        result.GetValue(Data) ?? Env("MYNOSQL_DATA"),
        result.GetValue(Mirror) ?? Env("MYNOSQL_MIRROR"),
        result.GetValue(ApiKey) ?? Env("MYNOSQL_API_KEY"),
        result.GetValue(Json),
        result.GetValue(Timeout));

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

    /// <summary>Parsed global options.</summary>
    internal sealed record Settings(string? Data, string? Mirror, string? ApiKey, bool Json, double TimeoutSeconds)
    {
        /// <summary>Opens <paramref name="db"/> where the options say. <paramref name="allowBoth"/>: <c>sync</c> takes a
        /// peer and the mirror to add to it.</summary>
        public async Task<IDatabaseClient> OpenAsync(string db, bool background, CancellationToken ct, bool allowBoth = false)
        {
            if (!DatabaseName.IsValid(db))
                throw CliException.Usage($"'{db}' is not a database name: 1–{DatabaseName.MaxLength} characters of [a-z0-9_-], starting with a letter.");
            // HttpClient takes at most int.MaxValue milliseconds (24.8 days); NaN fails both tests.
            if (!(TimeoutSeconds > 0 && TimeoutSeconds <= int.MaxValue / 1000.0))
                throw CliException.Usage($"--timeout must be a positive number of seconds, at most {int.MaxValue / 1000:N0} (was {TimeoutSeconds}).");
            if (Data is null && Mirror is null)
                throw CliException.Usage("say where the database is: --data DIR (a local peer) or --mirror URL (a mirror's gateway).");
            if (Data is not null && Mirror is not null && !allowBoth)
                throw CliException.Usage("give --data DIR or --mirror URL, not both (only sync takes both: the peer, and a mirror to add to it).");
            if (Data is null) return new MirrorDatabase(Mirror!, db, ApiKey, TimeSpan.FromSeconds(TimeoutSeconds));
            try
            {
                return await PeerDatabase.OpenAsync(Data, db, ApiKey, background, TimeSpan.FromSeconds(TimeoutSeconds), ct).ConfigureAwait(false);
            }
            catch (DatabaseLockedException e)
            {
                throw new CliException(ExitCodes.Unreachable, $"database '{db}' in {Path.GetFullPath(Data)} is open in another process: {e.Message}", e);
            }
            catch (IOException e)
            {
                throw CliException.Usage($"cannot open database '{db}' in --data {Data}: {e.Message}");
            }
            catch (UnauthorizedAccessException e)
            {
                throw CliException.Usage($"cannot open database '{db}' in --data {Data}: {e.Message}");
            }
        }
    }
}
