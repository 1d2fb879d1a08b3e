using System.Security.Cryptography;
using System.Text;

namespace MyNoSql.Storage.Sync;

/// <summary>
/// The token of a no-change poll (<c>GET /db/{db}/sync/poll?t=TOKEN</c>): 16 URL-safe characters derived from a
/// sync checkpoint token, so a poll costs the same few bytes whatever the size of the checkpoint or the database.
/// Peer and mirror compute it the same way; equal tokens mean the peer's checkpoint is the mirror's current one.
/// </summary>
public static class SyncPollToken
{
    /// <summary>base64url of the first 12 bytes of SHA-256 over the UTF-8 checkpoint token (empty for none).</summary>
    public static string Of(string? checkpoint)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(checkpoint ?? ""), hash);
        return Convert.ToBase64String(hash[..12]).Replace('+', '-').Replace('/', '_');
    }
}
