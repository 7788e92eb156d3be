using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace QuoteCluster.Tests.Support;

/// <summary>
/// A cluster CA and the one certificate every process of that cluster presents, written as PEM files the way a
/// cert-manager Secret mounts them (tls.crt, tls.key, ca.crt).
/// </summary>
public sealed record TestCertificates(string CertificateFile, string KeyFile, string CertificateAuthorityFile)
{
    public static TestCertificates Create(string directory, string name)
    {
        Directory.CreateDirectory(directory);
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={name}-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=quotecluster", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("quotecluster");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var certificate = request.Create(ca, now.AddHours(-1), now.AddDays(30), RandomNumberGenerator.GetBytes(8));

        var files = new TestCertificates(Path.Combine(directory, "tls.crt"), Path.Combine(directory, "tls.key"), Path.Combine(directory, "ca.crt"));
        File.WriteAllText(files.CertificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(files.KeyFile, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(files.CertificateAuthorityFile, ca.ExportCertificatePem());
        return files;
    }

    public Dictionary<string, string?> Settings() => new()
    {
        ["ORLEANS_TLS_CERT_FILE"] = CertificateFile,
        ["ORLEANS_TLS_KEY_FILE"] = KeyFile,
        ["ORLEANS_TLS_CA_FILE"] = CertificateAuthorityFile,
    };
}
