using System.Text.Json;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Grains.Records;

/// <summary>Converts revision leaves to and from their wire form, validating what comes from outside.</summary>
internal static class LeafWire
{
    private static readonly JsonDocumentOptions BodyOptions = new() { MaxDepth = DocumentCodec.MaxDepth };

    public static ReplicatedRevision ToWire(RevisionLeaf leaf) => new(
        leaf.Rev.ToString(), leaf.Deleted, [.. leaf.Ancestry.Select(a => a.ToString())], leaf.Body.ToArray());

    public static ReplicatedRevision[] ToWire(DocumentRecord? record) =>
        record is null ? [] : [.. record.Leaves.Select(ToWire)];

    /// <summary>
    /// Parses a wire revision. With <paramref name="verify"/> (revisions from outside the cluster) the body must be
    /// a JSON object (empty for a tombstone) and, when the parent is known, the revision must be the hash of it.
    /// </summary>
    public static bool TryFromWire(ReplicatedRevision wire, bool verify, out RevisionLeaf leaf, out string problem)
    {
        leaf = null!;
        problem = "";
        if (!Revision.TryParse(wire.Rev, out var rev))
        {
            problem = $"'{wire.Rev}' is not a revision";
            return false;
        }
        var ancestry = new Revision[Math.Min(wire.Ancestry?.Length ?? 0, RevisionLeaf.AncestryLimit)];
        for (int i = 0; i < ancestry.Length; i++)
        {
            if (!Revision.TryParse(wire.Ancestry![i], out ancestry[i]) || ancestry[i].Generation != rev.Generation - 1 - i)
            {
                problem = $"ancestor {i} '{wire.Ancestry![i]}' of '{wire.Rev}' is not a revision of generation {rev.Generation - 1 - i}";
                return false;
            }
        }
        var body = wire.Body ?? [];
        if (verify)
        {
            if (wire.Deleted ? body.Length != 0 : !IsJsonObject(body))
            {
                problem = wire.Deleted ? "a tombstone has no content" : "the content is not a JSON object";
                return false;
            }
            bool parentKnown = rev.Generation == 1 || ancestry.Length > 0;
            if (parentKnown && Revision.Next(ancestry.Length > 0 ? ancestry[0] : default, wire.Deleted, body) != rev)
            {
                problem = $"revision '{wire.Rev}' does not match its parent and content";
                return false;
            }
        }
        leaf = new RevisionLeaf(rev, wire.Deleted, ancestry, body);
        return true;
    }

    private static bool IsJsonObject(byte[] body)
    {
        // System.Text.Json does not check the UTF-8 inside strings; such bytes would be served as "JSON" later.
        if (!System.Text.Unicode.Utf8.IsValid(body)) return false;
        try
        {
            using var doc = JsonDocument.Parse(body, BodyOptions);
            return doc.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
