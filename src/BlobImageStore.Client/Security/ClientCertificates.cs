using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace BlobImageStore.Client;

/// <summary>
/// Loads certificates from the files sfctl takes: a client certificate and its key as one PEM file (<c>--pem</c>) or
/// two (<c>--cert</c>, <c>--key</c>), and trusted CAs as a PEM bundle or a folder of certificates (<c>--ca</c>).
/// </summary>
public static class ClientCertificates
{
    /// <summary>A client certificate and its private key from one PEM file (the certificate first; the key as
    /// <c>PRIVATE KEY</c>, <c>RSA PRIVATE KEY</c> or <c>EC PRIVATE KEY</c>, unencrypted).</summary>
    /// <param name="pemPath">The PEM file.</param>
    /// <exception cref="ImageStoreAuthenticationException">The file is missing, or holds no certificate or no usable key.</exception>
    public static X509Certificate2 LoadPem(string pemPath) => LoadPem(pemPath, pemPath);

    /// <summary>A client certificate from <paramref name="certPath"/> (PEM, or DER <c>.cer</c>/<c>.crt</c>) with the private
    /// key from <paramref name="keyPath"/> (unencrypted PEM).</summary>
    /// <param name="certPath">The certificate file.</param>
    /// <param name="keyPath">The private key file.</param>
    /// <exception cref="ImageStoreAuthenticationException">A file is missing, or the key is encrypted or does not belong to the certificate.</exception>
    public static X509Certificate2 LoadPem(string certPath, string keyPath)
    {
        RequireFile(certPath, "client certificate");
        RequireFile(keyPath, "private key");
        try
        {
            var keyPem = File.ReadAllText(keyPath);
            if (keyPem.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal))
            {
                throw new ImageStoreAuthenticationException(
                    $"The private key in {keyPath} is encrypted; give it unencrypted (e.g. openssl pkey -in {Path.GetFileName(keyPath)} -out key.pem) and keep that file readable by you alone.");
            }

            using var loaded = LooksLikePem(certPath)
                ? X509Certificate2.CreateFromPem(File.ReadAllText(certPath), keyPem)
                : AttachKey(X509CertificateLoader.LoadCertificateFromFile(certPath), keyPem);
            // A PKCS#12 round trip gives the certificate a key that SslStream can use on every platform.
            return X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
        }
        catch (ImageStoreAuthenticationException)
        {
            throw;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            var files = certPath == keyPath ? certPath : $"{certPath} and {keyPath}";
            throw new ImageStoreAuthenticationException(
                $"No client certificate with its private key could be read from {files}: {e.Message} " +
                "A --pem file holds the certificate and its unencrypted key (BEGIN CERTIFICATE, BEGIN PRIVATE KEY); --cert and --key take them as two files.", e);
        }
    }

    /// <summary>
    /// Trusted certificates (CAs, or a server's own certificate) from a PEM bundle, a DER file, or a folder whose
    /// <c>.pem</c>, <c>.crt</c> and <c>.cer</c> files are read (as sfctl's <c>--ca</c> takes a bundle or a folder).
    /// </summary>
    /// <param name="fileOrFolder">The bundle file or the folder.</param>
    /// <exception cref="ImageStoreAuthenticationException">Nothing there, or no certificate in it.</exception>
    public static X509Certificate2Collection LoadCertificateAuthorities(string fileOrFolder)
    {
        var files = Directory.Exists(fileOrFolder)
            ? Directory.EnumerateFiles(fileOrFolder).Where(f => Path.GetExtension(f).ToLowerInvariant() is ".pem" or ".crt" or ".cer").Order(StringComparer.Ordinal).ToList()
            : File.Exists(fileOrFolder) ? [fileOrFolder] : throw new ImageStoreAuthenticationException($"There is no CA file or folder at {fileOrFolder}.");
        var collection = new X509Certificate2Collection();
        foreach (var file in files)
        {
            try
            {
                if (LooksLikePem(file))
                {
                    collection.ImportFromPemFile(file);
                }
                else
                {
                    collection.Add(X509CertificateLoader.LoadCertificateFromFile(file));
                }
            }
            catch (CryptographicException e)
            {
                throw new ImageStoreAuthenticationException($"{file} is not a certificate file (PEM or DER): {e.Message}", e);
            }
        }

        return collection.Count > 0
            ? collection
            : throw new ImageStoreAuthenticationException($"No certificate (BEGIN CERTIFICATE) found in {fileOrFolder}.");
    }

    private static X509Certificate2 AttachKey(X509Certificate2 certificate, string keyPem)
    {
        using (certificate)
        {
            try
            {
                using var rsa = RSA.Create();
                rsa.ImportFromPem(keyPem);
                return certificate.CopyWithPrivateKey(rsa);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                using var ec = ECDsa.Create();
                ec.ImportFromPem(keyPem);
                return certificate.CopyWithPrivateKey(ec);
            }
        }
    }

    private static bool LooksLikePem(string path)
    {
        // PEM may open with text (openssl's "Bag Attributes"); certificate files are small.
        return File.ReadAllText(path).Contains("-----BEGIN", StringComparison.Ordinal);
    }

    private static void RequireFile(string path, string what)
    {
        if (!File.Exists(path))
        {
            throw new ImageStoreAuthenticationException($"There is no {what} file at {path}.");
        }
    }
}
