using System.CommandLine;
using MyNoSql.Cli.Clients;

namespace MyNoSql.Cli.Commands;

/// <summary><c>sync DB --data DIR [--mirror URL]</c>: one sync round of a local peer; <c>--mirror</c> adds that mirror
/// to the peer first (remembered on disk, as <c>AddPeerAsync</c>).</summary>
internal static class SyncCommand
{
    public static Command Build(GlobalOptions options, CliConsole console, Argument<string> db)
    {
        var command = new Command("sync", "One sync round of a local peer (--data DIR); --mirror URL adds that mirror to it first") { db };
        command.SetAction(async (r, ct) =>
        {
            var settings = options.Read(r);
            if (settings.Data is null)
                throw CliException.Usage("sync runs on a local peer: give --data DIR (and --mirror URL to add that mirror to it); a mirror keeps itself in sync.");
            await using IDatabaseClient client = await settings.OpenAsync(r.GetValue(db)!, background: false, ct, allowBoth: true).ConfigureAwait(false);
            if (settings.Mirror is not null && client is PeerDatabase peer)
            {
                try
                {
                    await peer.AddMirrorAsync(settings.Mirror, ct).ConfigureAwait(false);
                }
                catch (ArgumentException e)
                {
                    throw CliException.Usage($"--mirror '{settings.Mirror}': {e.Message}");
                }
            }
            return await new Operations(client, console, settings.Json).SyncAsync(ct).ConfigureAwait(false);
        });
        return command;
    }
}
