using System.Globalization;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Silo.Couch;

/// <summary>
/// Revision ids whose hash is not 32 hex digits — short ones such as CouchDB accepts with <c>new_edits=false</c> and
/// PouchDB's tests use everywhere (<c>1-a</c>, <c>2-49</c>) — mapped onto our <c>N-&lt;32 hex&gt;</c> form and back (README
/// "Short revision ids"). A hash of 1–10 printable ASCII characters becomes those bytes, zero-padded to 10, then a fixed
/// 6-byte marker: the mapping is reversible, keeps CouchDB's order between such hashes (byte order with zero padding is
/// string order, so the same leaf wins), and a random or md5 hash has that marker with chance 2⁻⁴⁸. Every /couch input
/// rev goes through <see cref="ToOurs(string)"/>, every output rev through <see cref="ToCouch(string)"/>; 32-hex revisions
/// pass unchanged both ways.
/// </summary>
internal static class CouchRevs
{
    private const int Text = 10;
    private const string Marker = "00c0db5e7e1d"; // 6 bytes

    /// <summary>Our form of a CouchDB rev (unchanged when it already is one, or when it cannot be mapped).</summary>
    public static string ToOurs(string rev)
    {
        int dash = rev.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || Revision.TryParse(rev, out _)) return rev;
        return HashToOurs(rev[(dash + 1)..]) is { } hash ? string.Concat(rev.AsSpan(0, dash + 1), hash) : rev;
    }

    /// <summary>
    /// 400 <c>bad_request</c> "Invalid rev format" for a rev CouchDB cannot parse (<c>couch_doc:parse_rev</c>: a number, a
    /// dash, a hash), where a list of revisions is asked about (<c>open_revs</c>, <c>_revs_diff</c>). Hashes CouchDB parses
    /// but we cannot hold are not refused here: they are simply not found.
    /// </summary>
    /// <exception cref="CouchRequestException">A rev without that shape.</exception>
    public static void CheckFormat(IEnumerable<string> revs)
    {
        foreach (var rev in revs)
        {
            int dash = rev.IndexOf('-', StringComparison.Ordinal);
            if (dash <= 0 || dash == rev.Length - 1 || rev.AsSpan(0, dash).ContainsAnyExceptInRange('0', '9'))
                throw new CouchRequestException("bad_request", $"Invalid rev format '{Gateway.ApiResponse.Quote(rev)}'.");
        }
    }

    /// <summary>Our 32-hex form of a short hash; null when it is not 1–10 printable ASCII characters.</summary>
    public static string? HashToOurs(string hash)
    {
        if (hash.Length is 0 or > Text || hash.Any(c => c is < '!' or > '~')) return null;
        if (hash.Length == 32 && hash.All(char.IsAsciiHexDigitLower)) return null;
        var bytes = new byte[Text];
        for (int i = 0; i < hash.Length; i++) bytes[i] = (byte)hash[i];
        return Convert.ToHexStringLower(bytes) + Marker;
    }

    /// <summary>The hash of <c>_revisions.ids</c> in our form (unchanged when it is 32 hex or cannot be mapped).</summary>
    public static string IdToOurs(string hash) => hash.Length == 32 ? hash : HashToOurs(hash) ?? hash;

    /// <summary>The CouchDB form of one of our revs: the short hash back for a mapped one, else unchanged.</summary>
    public static string ToCouch(string rev)
    {
        int dash = rev.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || rev.Length - dash - 1 != 32 || !rev.EndsWith(Marker, StringComparison.Ordinal)) return rev;
        return HashToCouch(rev[(dash + 1)..]) is { } hash ? string.Concat(rev.AsSpan(0, dash + 1), hash) : rev;
    }

    /// <summary>The CouchDB form of a 32-hex hash (<c>_revisions.ids</c>).</summary>
    public static string HashToCouch(string hash)
    {
        if (hash.Length != 32 || !hash.EndsWith(Marker, StringComparison.Ordinal)) return hash;
        var chars = new char[Text];
        int length = 0;
        for (int i = 0; i < Text; i++)
        {
            int b = int.Parse(hash.AsSpan(2 * i, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            if (b == 0) break;
            if (b is < '!' or > '~') return hash;
            chars[length++] = (char)b;
        }
        for (int i = length; i < Text; i++) if (hash[2 * i] != '0' || hash[2 * i + 1] != '0') return hash;
        return length == 0 ? hash : new string(chars, 0, length);
    }
}
