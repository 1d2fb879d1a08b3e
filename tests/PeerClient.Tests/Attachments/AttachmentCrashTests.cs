using System.Security.Cryptography;
using Xunit.Abstractions;

namespace MyNoSql.PeerClient.Tests.Attachments;

/// <summary>
/// A put is durable like a save: a child process puts attachments and is SIGKILLed at random moments; after reopen every
/// acknowledged attachment opens and hashes to its digest, every stored manifest has all its chunks, and the temp files
/// the kill left are gone.
/// </summary>
public sealed class AttachmentCrashTests(ITestOutputHelper output)
{
    private const int Rounds = 5;

    [Fact]
    public async Task Every_acknowledged_attachment_survives_SIGKILL()
    {
        using var dir = new TempDir();
        var acked = new List<(string Id, string Digest, long Length)>();
        var random = new Random(20261205);
        for (int round = 0; round < Rounds; round++)
        {
            int before = acked.Count;
            using (var child = ChildProcess.Start("att", dir.Path, "attcrash", $"round{round}"))
            {
                await child.WaitForLineAsync(l => l == "READY", TimeSpan.FromSeconds(60));
                using (var killAt = new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(300, 1500))))
                {
                    try
                    {
                        await foreach (var line in child.Lines.ReadAllAsync(killAt.Token)) Record(acked, line);
                    }
                    catch (OperationCanceledException) { }
                }
                child.Kill();
                Assert.True(await child.WaitForExitAsync(TimeSpan.FromSeconds(30)), "child did not die");
                while (child.Lines.TryRead(out var line)) Record(acked, line);
            }
            await using var db = await MyNoSqlDb.OpenAsync("attcrash", dir.Options());
            foreach (var (id, digest, length) in acked)
            {
                await using var s = await db.OpenAttachmentAsync(id, "body.bin");
                Assert.Equal(length, s.Length);
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[1 << 16];
                int n;
                while ((n = await s.ReadAsync(buffer)) > 0) hash.AppendData(buffer, 0, n);
                Assert.True(digest == "sha256-" + Convert.ToBase64String(hash.GetHashAndReset()), $"round {round}: '{id}' does not read back as acknowledged");
            }
            foreach (string manifest in Directory.GetFiles(Path.Combine(dir.Path, "attcrash", "attachments", "manifests")))
            {
                string d = "sha256-" + Convert.ToBase64String(Convert.FromHexString(Path.GetFileName(manifest)));
                Assert.True(db.Attachments.HasBody(d), $"round {round}: manifest {manifest} names a missing chunk");
            }
            Assert.Empty(Directory.GetFiles(Path.Combine(dir.Path, "attcrash", "attachments", "tmp")));
            output.WriteLine($"round {round}: {acked.Count - before} acks, {acked.Count} attachments verified");
        }
        Assert.True(acked.Count >= Rounds, "the child acknowledged almost nothing: the test exercised nothing");
    }

    private static void Record(List<(string, string, long)> acked, string line)
    {
        var parts = line.Split(' ');
        if (parts.Length == 5 && parts[0] == "ACK") acked.Add((parts[1], parts[3], long.Parse(parts[4], System.Globalization.CultureInfo.InvariantCulture)));
    }
}
