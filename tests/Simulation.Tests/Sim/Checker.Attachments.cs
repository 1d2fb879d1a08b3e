using System.Security.Cryptography;
using MyNoSql.Storage.Attachments;

namespace MyNoSql.Simulation.Tests.Sim;

// With SimOptions.Attachments: stubs travel as content (the checks above), and bodies must follow them.
internal sealed partial class Checker
{
    /// <summary>
    /// <list type="number">
    /// <item>Every mirror holds the body of every stub its records' leaves name, and it hashes to the stub's digest.</item>
    /// <item>Every Mirror-mode peer holds the body of every stub its live leaves name (pulled with the records).</item>
    /// <item>On every peer every attachment of a live record it holds opens (Peer mode: fetched now) with the digest's bytes.</item>
    /// </list>
    /// </summary>
    private async Task CheckBodiesAsync()
    {
        int bodies = 0;
        foreach (var m in world.Mirrors)
        {
            var store = world.Bodies(m);
            foreach (var digest in _replicas[m.Name].Values.SelectMany(r => r.Leaves).SelectMany(l => AttachmentStubs.Digests(l.Body)).Distinct(StringComparer.Ordinal))
            {
                if (store.TryGetManifest(digest) is not { } manifest || !store.HasBody(digest)) { Fail($"{m.Name} lacks attachment body {digest} that its records name"); continue; }
                await using var s = store.OpenRead(manifest);
                await CheckDigestAsync(m.Name, "a body", digest, s);
                bodies++;
            }
        }
        foreach (var p in world.Peers)
        {
            var db = p.Db!;
            if (p.Mode == DbMode.Mirror)
            {
                foreach (var digest in _replicas[p.Name].Values.SelectMany(r => r.Leaves).Where(l => !l.Deleted).SelectMany(l => AttachmentStubs.Digests(l.Body)).Distinct(StringComparer.Ordinal))
                {
                    if (!db.Store.Attachments!.HasBody(digest)) Fail($"{p.Name} (Mirror mode) lacks attachment body {digest} that its records name");
                }
            }
            foreach (var record in _replicas[p.Name].Values.Where(r => !r.Winner.Deleted).OrderBy(r => r.Id, StringComparer.Ordinal))
            {
                foreach (var (name, stub) in AttachmentStubs.Read(record.Winner.Body).OrderBy(s => s.Key, StringComparer.Ordinal))
                {
                    try
                    {
                        await using var s = await db.OpenAttachmentAsync(record.Id, name);
                        await CheckDigestAsync(p.Name, $"'{record.Id}'/{name}", stub.Digest, s);
                    }
                    catch (MyNoSqlException e)
                    {
                        Fail($"{p.Name} ({p.Mode}) cannot open attachment {name} of '{record.Id}' ({stub.Digest}): {e.Message}");
                    }
                }
            }
        }
        world.Log($"checked {bodies} attachment bodies on mirrors");
    }

    private async Task CheckDigestAsync(string node, string what, string digest, Stream body)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[81920];
        int n;
        while ((n = await body.ReadAsync(buffer)) > 0) sha.AppendData(buffer, 0, n);
        string actual = AttachmentStubs.FormatDigest(sha.GetHashAndReset());
        if (actual != digest) Fail($"{node}: {what} reads as {actual}, its stub says {digest}");
    }
}
