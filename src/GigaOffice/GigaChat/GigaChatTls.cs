using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GigaOffice.Configuration;
using Microsoft.Extensions.Options;

namespace GigaOffice.GigaChat;

/// <summary>A TLS file an admin configured cannot be used; the message names the variable to fix.</summary>
public sealed class GigaChatTlsException(string message) : Exception(message);

/// <summary>
/// TLS towards GigaChat: the server certificate is verified (system roots plus an optional CA
/// bundle, since GigaChat's chain ends at the Russian Trusted Root CA, absent from most stores),
/// and in mtls mode the client certificate is presented. Files are loaded once, at start.
/// </summary>
public sealed class GigaChatTls
{
    public const string CaBundleVariable = "GIGACHAT_CA_BUNDLE_FILE";
    public const string MtlsCaBundleVariable = "GIGACHAT_MTLS_CA_BUNDLE_FILE";
    public const string CertVariable = "GIGACHAT_MTLS_CERT_FILE";
    public const string KeyVariable = "GIGACHAT_MTLS_KEY_FILE";
    public const string KeyPasswordVariable = "GIGACHAT_MTLS_KEY_FILE_PASSWORD";

    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcOid = "1.2.840.10045.2.1";

    private readonly GigaChatOptions _options;
    private readonly Lazy<(X509Certificate2Collection Roots, X509Certificate2Collection Intermediates)> _trust;
    private readonly Lazy<ClientCertificate?> _client;

    public GigaChatTls(IOptions<GigaChatOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _trust = new(() => CaBundleFor(_options) is { } bundle ? SplitTrust(LoadCaBundle(bundle.Path, bundle.Variable)) : ([], []));
        _client = new(() => _options.Mode == GigaChatRunMode.Mtls ? LoadClientCertificate(_options, time.GetUtcNow()) : null);
    }

    public bool VerifiesServer => _options.VerifySslCerts;

    /// <summary>The client certificate of mtls mode (null otherwise).</summary>
    public ClientCertificate? Client => _client.Value;

    /// <summary>The bundle that applies to the mode: mtls has its own variable and falls back to the cloud one.</summary>
    public static (string Path, string Variable)? CaBundleFor(GigaChatOptions o)
    {
        if (o.Mode == GigaChatRunMode.Mtls && !string.IsNullOrWhiteSpace(o.MtlsCaBundleFile)) return (o.MtlsCaBundleFile, MtlsCaBundleVariable);
        if (!string.IsNullOrWhiteSpace(o.CaBundleFile)) return (o.CaBundleFile, CaBundleVariable);
        return null;
    }

    /// <summary>A handler for every GigaChat client (API, OAuth, health probe): same trust, same client certificate.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        // Rotates connections so DNS changes of the GigaChat hosts are picked up.
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(Math.Min(15, _options.TimeoutSeconds)),
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = ValidateServerCertificate,
            ClientCertificateContext = Client?.Context,
        },
    };

    /// <summary>Trusted when the system trusts the chain, or when it chains to a certificate of the CA bundle.</summary>
    public bool ValidateServerCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (!_options.VerifySslCerts) return true;
        if (errors == SslPolicyErrors.None) return true;
        // A wrong host name is never excused by a custom root.
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null) return false;
        var (roots, intermediates) = _trust.Value;
        if (roots.Count == 0) return false;

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(roots);
        custom.ChainPolicy.ExtraStore.AddRange(intermediates);
        if (chain is not null)
            foreach (var element in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        // Revocation lists of the Russian CA are often unreachable from closed networks; the system check does not use them either.
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(leaf);
    }

    /// <summary>PEM (one or several certificates) or a single DER certificate, as the Минцифры site offers both.</summary>
    public static X509Certificate2Collection LoadCaBundle(string path, string variable)
    {
        var bytes = ReadFile(path, variable);
        var collection = new X509Certificate2Collection();
        var text = System.Text.Encoding.ASCII.GetString(bytes);
        try
        {
            if (text.Contains("-----BEGIN CERTIFICATE-----")) collection.ImportFromPem(text);
            else collection.Add(X509CertificateLoader.LoadCertificate(bytes));
        }
        catch (CryptographicException)
        {
            throw new GigaChatTlsException($"{variable}: \"{path}\" is not a PEM or DER certificate file.");
        }
        if (collection.Count == 0) throw new GigaChatTlsException($"{variable}: \"{path}\" contains no certificate.");
        return collection;
    }

    private static (X509Certificate2Collection Roots, X509Certificate2Collection Intermediates) SplitTrust(X509Certificate2Collection bundle)
    {
        X509Certificate2Collection roots = [], intermediates = [];
        foreach (var certificate in bundle)
            (certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData) ? roots : intermediates).Add(certificate);
        // A bundle of intermediates only: trust them as anchors rather than trusting nothing.
        return roots.Count > 0 ? (roots, intermediates) : (intermediates, []);
    }

    /// <summary>
    /// Loads and checks the client certificate and its key, with a message naming the variable for
    /// every way it can be wrong. The result is re-imported through PKCS#12 because SslStream on
    /// Linux cannot always use a key that was imported from PEM.
    /// </summary>
    public static ClientCertificate LoadClientCertificate(GigaChatOptions o, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(o.MtlsCertFile)) throw new GigaChatTlsException($"{CertVariable} is required when GIGACHAT_RUN_MODE=mtls.");
        if (string.IsNullOrWhiteSpace(o.MtlsKeyFile)) throw new GigaChatTlsException($"{KeyVariable} is required when GIGACHAT_RUN_MODE=mtls.");
        var certText = System.Text.Encoding.ASCII.GetString(ReadFile(o.MtlsCertFile, CertVariable));
        var keyText = System.Text.Encoding.ASCII.GetString(ReadFile(o.MtlsKeyFile, KeyVariable));

        var chain = new X509Certificate2Collection();
        try { chain.ImportFromPem(certText); }
        catch (CryptographicException) { throw new GigaChatTlsException($"{CertVariable}: \"{o.MtlsCertFile}\" contains a malformed certificate."); }
        if (chain.Count == 0) throw new GigaChatTlsException($"{CertVariable}: \"{o.MtlsCertFile}\" contains no PEM certificate (-----BEGIN CERTIFICATE-----).");
        var leaf = chain[0];

        if (now > leaf.NotAfter) throw new GigaChatTlsException($"{CertVariable}: the certificate \"{leaf.Subject}\" expired on {leaf.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC.");
        if (now < leaf.NotBefore) throw new GigaChatTlsException($"{CertVariable}: the certificate \"{leaf.Subject}\" is not valid before {leaf.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC.");

        using var key = ImportKey(leaf, keyText, o.MtlsKeyFilePassword);
        X509Certificate2 withKey;
        try
        {
            withKey = key switch
            {
                RSA rsa => leaf.CopyWithPrivateKey(rsa),
                ECDsa ecdsa => leaf.CopyWithPrivateKey(ecdsa),
                _ => throw new ArgumentException("unsupported key"),
            };
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            throw new GigaChatTlsException($"{KeyVariable}: the key does not belong to the certificate in {CertVariable}.");
        }
        using (withKey)
        {
            var usable = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), password: null);
            var intermediates = new X509Certificate2Collection();
            for (var i = 1; i < chain.Count; i++) intermediates.Add(chain[i]);
            return new ClientCertificate(usable, SslStreamCertificateContext.Create(usable, intermediates, offline: true));
        }
    }

    private static AsymmetricAlgorithm ImportKey(X509Certificate2 leaf, string pem, string? password)
    {
        if (pem.Contains("Proc-Type: 4,ENCRYPTED"))
            throw new GigaChatTlsException($"{KeyVariable}: the key is encrypted in the legacy OpenSSL format that .NET cannot read; " +
                                           "convert it to PKCS#8: openssl pkcs8 -topk8 -in old.key -out client.key");
        var encrypted = pem.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----");
        if (encrypted && string.IsNullOrEmpty(password))
            throw new GigaChatTlsException($"{KeyVariable} is encrypted: set {KeyPasswordVariable}.");

        AsymmetricAlgorithm key = leaf.PublicKey.Oid.Value switch
        {
            RsaOid => RSA.Create(),
            EcOid => ECDsa.Create(),
            var other => throw new GigaChatTlsException($"{CertVariable}: keys of type {other} are not supported; use an RSA or EC certificate."),
        };
        try
        {
            if (encrypted) key.ImportFromEncryptedPem(pem, password);
            else key.ImportFromPem(pem);
            return key;
        }
        catch (ArgumentException)
        {
            key.Dispose();
            throw new GigaChatTlsException($"{KeyVariable}: the file contains no PEM private key of the certificate's type (-----BEGIN PRIVATE KEY-----).");
        }
        catch (CryptographicException) when (encrypted)
        {
            key.Dispose();
            throw new GigaChatTlsException($"{KeyPasswordVariable} does not decrypt the key in {KeyVariable} (wrong password, or a key of another type than the certificate).");
        }
        catch (CryptographicException)
        {
            key.Dispose();
            throw new GigaChatTlsException($"{KeyVariable}: the key cannot be read as the private key of the certificate in {CertVariable}.");
        }
    }

    private static byte[] ReadFile(string path, string variable)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new GigaChatTlsException($"{variable}: file \"{path}\" does not exist.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new GigaChatTlsException($"{variable}: file \"{path}\" cannot be read ({ex.GetType().Name}).");
        }
    }
}

/// <summary>The client certificate with a usable private key, and the context that also sends its intermediates.</summary>
public sealed record ClientCertificate(X509Certificate2 Certificate, SslStreamCertificateContext Context);

/// <summary>
/// Start-up checks of the real modes that need the files: CA bundles and the mtls certificate.
/// Runs through ValidateOnStart, so the service refuses to start instead of failing the first request.
/// </summary>
public sealed class GigaChatConnectionValidation(TimeProvider time) : IValidateOptions<GigaChatOptions>
{
    public ValidateOptionsResult Validate(string? name, GigaChatOptions o)
    {
        if (o.Mode == GigaChatRunMode.DryRun) return ValidateOptionsResult.Skip;
        var errors = new List<string>();
        Check(errors, () =>
        {
            if (GigaChatTls.CaBundleFor(o) is { } bundle) GigaChatTls.LoadCaBundle(bundle.Path, bundle.Variable);
        });
        if (o.Mode == GigaChatRunMode.Mtls)
            Check(errors, () => GigaChatTls.LoadClientCertificate(o, time.GetUtcNow()).Certificate.Dispose());
        if (o.MaxRetries is < 0 or > 10) errors.Add("GigaChat:MaxRetries must be between 0 and 10.");
        if (o.RetryBaseDelayMs is < 1 or > 60_000) errors.Add("GigaChat:RetryBaseDelayMs must be between 1 and 60000.");
        if (o.BreakerFailureRatio is <= 0 or > 1) errors.Add("GigaChat:BreakerFailureRatio must be above 0 and at most 1.");
        if (o.BreakerMinimumThroughput < 2) errors.Add("GigaChat:BreakerMinimumThroughput must be at least 2.");
        if (o.BreakerSamplingSeconds < 1 || o.BreakerBreakSeconds < 1) errors.Add("GigaChat:BreakerSamplingSeconds and GigaChat:BreakerBreakSeconds must be at least 1.");
        if (o.QuotaWindowSeconds < 1) errors.Add("GigaChat:QuotaWindowSeconds must be at least 1.");
        if (o.QuotaSafetyMarginMs < 0) errors.Add("GigaChat:QuotaSafetyMarginMs must not be negative.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Check(List<string> errors, Action check)
    {
        try { check(); }
        catch (GigaChatTlsException ex) { errors.Add(ex.Message); }
    }
}
