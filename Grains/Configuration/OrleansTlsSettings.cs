namespace QuoteCluster.Configuration;

/// <summary>
/// Mutual TLS between silos and their clients: this process's certificate and key, and the certificate authority every
/// peer's certificate must chain to. Files in PEM, as a cert-manager Secret mounts them (tls.crt, tls.key, ca.crt).
/// </summary>
public sealed record OrleansTlsSettings(string CertificateFile, string KeyFile, string CertificateAuthorityFile);
