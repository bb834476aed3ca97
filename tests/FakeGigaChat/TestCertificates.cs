using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FakeGigaChat;

/// <summary>
/// A throwaway PKI for tests: a test CA, a server certificate (localhost / 127.0.0.1),
/// a client certificate with a password-protected key, an expired client certificate,
/// and an unrelated "rogue" CA with its own server and client certificates.
/// Everything is created in memory and also written as PEM files, because the code
/// under test is configured with file paths (CA bundle, client cert, client key), exactly
/// as it is against the real GigaChat.
/// </summary>
/// <remarks>
/// Keys are ECDSA P-256: generation is near-instant, so every test may create its own set.
/// </remarks>
public sealed class TestCertificates : IDisposable
{
    public const string DefaultClientKeyPassword = "fake-gigachat-client";

    // Fewer PBKDF2 iterations than production advice: this is test material and the code
    // under test may decrypt the key many times per test run.
    private const int KeyEncryptionIterations = 10_000;

    private static readonly Oid ServerAuthOid = new("1.3.6.1.5.5.7.3.1", "Server Authentication");
    private static readonly Oid ClientAuthOid = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    private readonly bool _deleteDirectoryOnDispose;

    private TestCertificates(string directory, string clientKeyPassword, bool deleteDirectoryOnDispose)
    {
        Directory = directory;
        ClientKeyPassword = clientKeyPassword;
        _deleteDirectoryOnDispose = deleteDirectoryOnDispose;
    }

    /// <summary>Directory holding the PEM files.</summary>
    public string Directory { get; }

    /// <summary>Password of the encrypted client keys (valid, expired and rogue client).</summary>
    public string ClientKeyPassword { get; }

    // In-memory certificates. Those with private keys are loaded from PKCS#12 so they are
    // usable by SslStream on Linux (see LoadWithPersistedKey).
    public X509Certificate2 Ca { get; private set; } = null!;
    public X509Certificate2 Server { get; private set; } = null!;
    public X509Certificate2 Client { get; private set; } = null!;
    public X509Certificate2 ExpiredClient { get; private set; } = null!;
    public X509Certificate2 RogueCa { get; private set; } = null!;
    public X509Certificate2 RogueServer { get; private set; } = null!;
    public X509Certificate2 RogueClient { get; private set; } = null!;

    /// <summary>PEM bundle with the test CA only: what a client passes as its CA bundle.</summary>
    public string CaBundlePath => PathOf("ca.pem");
    public string ServerCertPath => PathOf("server.pem");
    /// <summary>Unencrypted PKCS#8 key of the server certificate (e.g. for nginx in front of the fake).</summary>
    public string ServerKeyPath => PathOf("server.key");
    public string ClientCertPath => PathOf("client.pem");
    /// <summary>Encrypted PKCS#8 PEM ("BEGIN ENCRYPTED PRIVATE KEY"), password <see cref="ClientKeyPassword"/>.</summary>
    public string ClientKeyPath => PathOf("client.key");
    public string ExpiredClientCertPath => PathOf("client-expired.pem");
    public string ExpiredClientKeyPath => PathOf("client-expired.key");
    public string RogueCaPath => PathOf("rogue-ca.pem");
    public string RogueServerCertPath => PathOf("rogue-server.pem");
    public string RogueServerKeyPath => PathOf("rogue-server.key");
    public string RogueClientCertPath => PathOf("rogue-client.pem");
    public string RogueClientKeyPath => PathOf("rogue-client.key");

    /// <summary>
    /// Generates the whole set and writes it to <paramref name="directory"/> (created if missing,
    /// existing files overwritten; the directory is left in place on dispose).
    /// </summary>
    public static TestCertificates Create(string directory, string clientKeyPassword = DefaultClientKeyPassword)
    {
        System.IO.Directory.CreateDirectory(directory);
        var set = new TestCertificates(Path.GetFullPath(directory), clientKeyPassword, deleteDirectoryOnDispose: false);
        set.Generate();
        return set;
    }

    /// <summary>Like <see cref="Create"/> into a fresh temporary directory that is deleted on dispose.</summary>
    public static TestCertificates CreateInTempDirectory(string clientKeyPassword = DefaultClientKeyPassword)
    {
        var directory = Path.Combine(Path.GetTempPath(), "fake-gigachat-certs-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var set = new TestCertificates(directory, clientKeyPassword, deleteDirectoryOnDispose: true);
        set.Generate();
        return set;
    }

    /// <summary>Loads the valid client certificate the way a client would: from the PEM files and password.</summary>
    public X509Certificate2 LoadClientCertificateFromFiles()
    {
        using var fromPem = X509Certificate2.CreateFromEncryptedPemFile(ClientCertPath, ClientKeyPassword, ClientKeyPath);
        return LoadWithPersistedKey(fromPem);
    }

    public void Dispose()
    {
        foreach (var certificate in new[] { Ca, Server, Client, ExpiredClient, RogueCa, RogueServer, RogueClient })
            certificate?.Dispose();

        if (_deleteDirectoryOnDispose)
        {
            try { System.IO.Directory.Delete(Directory, recursive: true); }
            catch (IOException) { /* best effort: a client may still hold a file open */ }
            catch (UnauthorizedAccessException) { }
        }
    }

    private string PathOf(string fileName) => Path.Combine(Directory, fileName);

    private void Generate()
    {
        var now = DateTimeOffset.UtcNow;
        // Leaf validity must lie inside the issuer's, and the expired client needs a past
        // window, so the CAs start well in the past.
        var caNotBefore = now.AddDays(-60);
        var caNotAfter = now.AddYears(5);
        var leafNotBefore = now.AddDays(-1);
        var leafNotAfter = now.AddYears(1);

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var caWithKey = CreateCa("CN=FakeGigaChat Test CA, O=GigaOffice Tests", caKey, caNotBefore, caNotAfter);
        Ca = X509CertificateLoader.LoadCertificate(caWithKey.RawData);
        File.WriteAllText(CaBundlePath, caWithKey.ExportCertificatePem() + "\n");

        Server = IssueLeaf(caWithKey, "CN=localhost, O=GigaOffice Tests", ServerAuthOid, isServer: true,
            leafNotBefore, leafNotAfter, ServerCertPath, ServerKeyPath, keyPassword: null);
        Client = IssueLeaf(caWithKey, "CN=fake-gigachat-client, O=GigaOffice Tests", ClientAuthOid, isServer: false,
            leafNotBefore, leafNotAfter, ClientCertPath, ClientKeyPath, ClientKeyPassword);
        ExpiredClient = IssueLeaf(caWithKey, "CN=fake-gigachat-expired-client, O=GigaOffice Tests", ClientAuthOid, isServer: false,
            now.AddDays(-30), now.AddDays(-1), ExpiredClientCertPath, ExpiredClientKeyPath, ClientKeyPassword);

        // The rogue CA has a look-alike name on purpose: trust must come from the key, not the name.
        using var rogueKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rogueWithKey = CreateCa("CN=FakeGigaChat Test CA, O=Rogue", rogueKey, caNotBefore, caNotAfter);
        RogueCa = X509CertificateLoader.LoadCertificate(rogueWithKey.RawData);
        File.WriteAllText(RogueCaPath, rogueWithKey.ExportCertificatePem() + "\n");

        RogueServer = IssueLeaf(rogueWithKey, "CN=localhost, O=Rogue", ServerAuthOid, isServer: true,
            leafNotBefore, leafNotAfter, RogueServerCertPath, RogueServerKeyPath, keyPassword: null);
        RogueClient = IssueLeaf(rogueWithKey, "CN=fake-gigachat-client, O=Rogue", ClientAuthOid, isServer: false,
            leafNotBefore, leafNotAfter, RogueClientCertPath, RogueClientKeyPath, ClientKeyPassword);
    }

    private static X509Certificate2 CreateCa(string subject, ECDsa key, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        var subjectKeyId = new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false);
        request.CertificateExtensions.Add(subjectKeyId);
        // AKI on the root too: OpenSSL 3 / Python 3.13 strict verification looks for it.
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(subjectKeyId));
        return request.CreateSelfSigned(notBefore, notAfter);
    }

    private static X509Certificate2 IssueLeaf(
        X509Certificate2 issuer, string subject, Oid extendedUsage, bool isServer,
        DateTimeOffset notBefore, DateTimeOffset notAfter,
        string certPath, string keyPath, string? keyPassword)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { extendedUsage }, critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (isServer)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build(critical: false));
        }

        using var issued = request.Create(issuer, notBefore, notAfter, NewSerialNumber());
        using var withKey = issued.CopyWithPrivateKey(key);

        File.WriteAllText(certPath, withKey.ExportCertificatePem() + "\n");
        var keyPem = keyPassword is null
            ? key.ExportPkcs8PrivateKeyPem()
            : key.ExportEncryptedPkcs8PrivateKeyPem(keyPassword,
                new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, KeyEncryptionIterations));
        File.WriteAllText(keyPath, keyPem + "\n");

        return LoadWithPersistedKey(withKey);
    }

    /// <summary>
    /// On Linux a certificate produced by CopyWithPrivateKey holds an ephemeral key handle
    /// that SslStream cannot always use (notably as a server certificate); a PKCS#12 round
    /// trip yields a certificate whose key is usable everywhere.
    /// </summary>
    private static X509Certificate2 LoadWithPersistedKey(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);

    private static byte[] NewSerialNumber()
    {
        // 16 random bytes, top bit cleared so the DER INTEGER stays positive.
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        return serial;
    }
}
