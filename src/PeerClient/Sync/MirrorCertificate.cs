using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace MyNoSql.Sync;

/// <summary>Accepts an https:// mirror's certificate that chains to <see cref="MyNoSqlOptions.TrustedCertificates"/>.</summary>
internal static class MirrorCertificate
{
    public static bool IsTrusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection trusted)
    {
        if (errors == SslPolicyErrors.None) return true;
        // A wrong host name or no certificate stays an error whatever the trust anchors.
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0) return false;
        using var leaf = new X509Certificate2(certificate);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }
}
