using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;
using QuoteCluster.Configuration;

namespace QuoteCluster.Security;

/// <summary>
/// Mutual TLS on the silo and gateway ports (ORLEANS_TLS_*): every connection, silo to silo or client to gateway, shows
/// a certificate that chains to the cluster's own CA, or is dropped in the handshake. A pod without the Secret cannot
/// join the cluster or call a grain, whatever the network lets through.
/// </summary>
/// <remarks>
/// Peers are known by their CA, not their names: pods are reached by IP and come and go, so the host name is not checked.
/// The CA must sign only this cluster's certificates (a cert-manager Issuer of its own).
/// </remarks>
public static class OrleansTls
{
    public static ISiloBuilder UseQuoteClusterTls(this ISiloBuilder silo, OrleansTlsSettings settings)
    {
        var (certificate, authority) = Load(settings);
        return silo.UseTls(certificate, o => Configure(o, authority));
    }

    public static IClientBuilder UseQuoteClusterTls(this IClientBuilder client, OrleansTlsSettings settings)
    {
        var (certificate, authority) = Load(settings);
        return client.UseTls(certificate, o => Configure(o, authority));
    }

    private static void Configure(TlsOptions o, X509Certificate2Collection authority)
    {
        o.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        o.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        o.RemoteCertificateValidation = (certificate, _, _) => ChainsTo(certificate, authority);
        o.OnAuthenticateAsClient = (_, ssl) => ssl.TargetHost = "quotecluster";
    }

    internal static bool ChainsTo(X509Certificate2? certificate, X509Certificate2Collection authority)
    {
        if (certificate is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    internal static (X509Certificate2 Certificate, X509Certificate2Collection Authority) Load(OrleansTlsSettings settings)
    {
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(settings.CertificateFile, settings.KeyFile);

            // A key read from PEM is ephemeral; TLS servers need it in a form the platform's TLS stack can use.
            var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            var authority = new X509Certificate2Collection();
            authority.ImportFromPemFile(settings.CertificateAuthorityFile);
            if (authority.Count == 0) throw new CryptographicException("no certificate in the CA file");
            return (certificate, authority);
        }
        catch (CryptographicException e)
        {
            throw new InvalidConfigurationException(
                $"Invalid configuration: ORLEANS_TLS_CERT_FILE='{settings.CertificateFile}', ORLEANS_TLS_KEY_FILE='{settings.KeyFile}' and ORLEANS_TLS_CA_FILE='{settings.CertificateAuthorityFile}' could not be loaded ({e.Message}); expected a PEM certificate, its PEM private key and the PEM CA certificate.");
        }
    }
}
