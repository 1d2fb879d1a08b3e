using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MyNoSql.Sync.Tests.Security;

/// <summary>A self-signed server certificate for 127.0.0.1 and localhost, made by the test and written as PEM files.</summary>
public sealed class TestCertificate : IDisposable
{
    public TestCertificate(string directory)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=mynosql test mirror", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        using var withKey = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        CertPath = Path.Combine(directory, "mirror.crt.pem");
        KeyPath = Path.Combine(directory, "mirror.key.pem");
        File.WriteAllText(CertPath, withKey.ExportCertificatePem());
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
        Public = X509CertificateLoader.LoadCertificate(withKey.RawData);
    }

    public string CertPath { get; }

    public string KeyPath { get; }

    /// <summary>The certificate without its key: what a client trusts.</summary>
    public X509Certificate2 Public { get; }

    /// <summary>An HttpClient that trusts exactly this certificate.</summary>
    public HttpClient Client()
    {
        string thumbprint = Public.Thumbprint;
        var handler = new SocketsHttpHandler { UseCookies = false, UseProxy = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, c, _, _) => c is not null && c.GetCertHashString() == thumbprint;
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
    }

    public void Dispose() => Public.Dispose();
}
