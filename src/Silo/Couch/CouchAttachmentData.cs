using MyNoSql.Grains;
using MyNoSql.Grains.Attachments;
using MyNoSql.Storage.Attachments;

namespace MyNoSql.Silo.Couch;

/// <summary>
/// <c>attachments=true</c> on reads (<c>GET /couch/{db}/{id}</c>, <c>_bulk_get</c>): the bodies of the attachments the
/// shown leaves name, read whole into memory (fetched from another mirror when this one has no copy yet), keyed by our
/// <c>sha256-</c> digest; <see cref="CouchOutput"/> then writes them as inline base64 <c>data</c> instead of stubs.
/// </summary>
internal static class CouchAttachmentData
{
    /// <summary>True when the request asks for inline attachment data.</summary>
    public static bool Asked(HttpContext context) => CouchHttp.Flag(context, "attachments");

    /// <summary>The bodies of every attachment of <paramref name="leaves"/> (live ones), by digest.</summary>
    /// <exception cref="CouchRequestException">A body that is on no mirror that answered.</exception>
    public static async Task<Dictionary<string, byte[]>> LoadAsync(HttpContext context, string db, IEnumerable<(string Id, ReplicatedRevision Leaf)> leaves)
    {
        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var services = context.RequestServices;
        var store = services.GetRequiredService<MirrorAttachments>().Store(db);
        foreach (var (id, leaf) in leaves)
        {
            if (leaf.Deleted || leaf.Body.AsSpan().IndexOf("\"_attachments\""u8) < 0) continue;
            IReadOnlyDictionary<string, AttachmentStub> stubs;
            try
            {
                stubs = AttachmentStubs.Read(leaf.Body);
            }
            catch (ArgumentException)
            {
                continue; // not our stubs: ordinary content
            }
            foreach (var stub in stubs.Values)
            {
                if (data.ContainsKey(stub.Digest)) continue;
                var copies = services.GetRequiredService<AttachmentCopies>();
                if (await copies.LocateAsync(db, id, stub.Digest, context.RequestAborted) is not var (manifest, local))
                    throw new CouchRequestException("unavailable", $"Attachment body {stub.Digest} is not on this mirror yet and no other mirror could provide it; retry.");
                var bytes = new byte[manifest.Length];
                await using (var body = local ? store.OpenRead(manifest) : copies.OpenRemote(db, id, manifest)) await body.ReadExactlyAsync(bytes, context.RequestAborted);
                data[stub.Digest] = bytes;
            }
        }
        return data;
    }
}
