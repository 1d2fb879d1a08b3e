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
    public static async Task<Dictionary<string, byte[]>> LoadAsync(HttpContext context, string db, IEnumerable<ReplicatedRevision> leaves)
    {
        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var services = context.RequestServices;
        var store = services.GetRequiredService<MirrorAttachments>().Store(db);
        foreach (var leaf in leaves)
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
                var manifest = store.HasBody(stub.Digest) ? store.TryGetManifest(stub.Digest) : null;
                if (manifest is null && await services.GetRequiredService<AttachmentCopies>().FetchAsync(db, stub.Digest, context.RequestAborted))
                    manifest = store.TryGetManifest(stub.Digest);
                if (manifest is null)
                    throw new CouchRequestException("unavailable", $"Attachment body {stub.Digest} is not on this mirror yet and no other mirror could provide it; retry.");
                var bytes = new byte[manifest.Length];
                await using (var body = store.OpenRead(manifest)) await body.ReadExactlyAsync(bytes, context.RequestAborted);
                data[stub.Digest] = bytes;
            }
        }
        return data;
    }
}
