using System.Net;
using System.Net.Sockets;
using BlobImageStore.Client;
using BlobImageStore.Errors;

namespace BlobImageStore.Cli;

/// <summary>The documented exit codes (README: "Exit codes").</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>An unexpected failure (a bug, or a local I/O error).</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong, or names a local file or folder that does not exist.</summary>
    public const int Usage = 2;

    /// <summary>The store path or session does not exist (404, or no open session).</summary>
    public const int NotFound = 3;

    /// <summary>Another upload session holds the path (409).</summary>
    public const int Conflict = 4;

    /// <summary>The server refused the request (another 4xx: invalid argument, too large, not authorised).</summary>
    public const int Rejected = 5;

    /// <summary>The server or the network kept failing (5xx, timeouts, refused connections) after all retries. An upload can be resumed by running it again.</summary>
    public const int Unavailable = 6;

    /// <summary>A confirmation on the terminal was answered no (rm of a folder): nothing was changed.</summary>
    public const int NotConfirmed = 7;

    /// <summary>Cancelled (Ctrl+C). An upload can be resumed by running it again.</summary>
    public const int Cancelled = 130;

    public static int For(Exception e) => e switch
    {
        CliException cli => cli.ExitCode,
        ImageStoreAuthenticationException => Rejected,
        HttpRequestException { InnerException: System.Security.Authentication.AuthenticationException } => Rejected,
        ImageStoreException { StatusCode: HttpStatusCode.NotFound } => NotFound,
        ImageStoreException { StatusCode: HttpStatusCode.Conflict } => Conflict,
        ImageStoreException { IsTransient: true } => Unavailable,
        ImageStoreException => Rejected,
        HttpRequestException or TimeoutException or SocketException => Unavailable,
        OperationCanceledException => Cancelled,
        FileNotFoundException or DirectoryNotFoundException or ArgumentException => Usage,
        _ => Failure,
    };

    /// <summary>What to do about an error, in one line.</summary>
    public static string? Hint(Exception e, Uri endpoint, string command) => e switch
    {
        ImageStoreException { Code: FabricErrorCodes.UploadSessionIdConflict } when command == "upload" =>
            "another upload is writing this path: 'imagestore status <store-path>' shows its session; 'imagestore sessions rm <id>' deletes it, or pass --force to replace it.",
        ImageStoreException { Code: FabricErrorCodes.UploadSessionIdConflict } =>
            "an upload session is writing this path: 'imagestore status <store-path>' shows it; wait for it to finish, or delete it with 'imagestore sessions rm <id>'.",
        ImageStoreException { StatusCode: HttpStatusCode.Conflict } =>
            "the path is in use (an open upload session, or a file where a folder is needed): 'imagestore status <store-path>' and 'imagestore ls' show what is there.",
        ImageStoreException { StatusCode: HttpStatusCode.NotFound } =>
            "check the path with 'imagestore ls' (paths are relative to the store root and case-sensitive).",
        ImageStoreException { StatusCode: HttpStatusCode.Forbidden, Code: FabricErrorCodes.AccessDenied } =>
            "the server knows the certificate or token, but its role does not allow this (the message above says why): writing (upload, rm, cp, sessions rm) needs an admin client certificate or the Admin app role; read-only ones may list, du, status and info.",
        ImageStoreException { StatusCode: HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden } =>
            "authenticate: a client certificate (--pem, or --cert and --key) or Entra ID (--aad) for a secured server ('imagestore cluster select' saves them), or the Functions key (--api-key, IMAGESTORE_API_KEY).",
        ImageStoreAuthenticationException =>
            "check the certificate files or the Entra ID sign-in ('az login', or --device-code on a terminal); 'imagestore cluster show' prints the saved settings.",
        HttpRequestException { InnerException: System.Security.Authentication.AuthenticationException } =>
            "the server's certificate is not trusted: pass --ca <file> with the CA that issued it (or the server's own certificate), or --insecure for a development certificate only. 'imagestore cluster select' saves either.",
        ImageStoreException { StatusCode: HttpStatusCode.RequestEntityTooLarge } =>
            "use a smaller --chunk-size, or tell the client the server's limit with --max-chunk-size.",
        ImageStoreException { IsTransient: true } =>
            "the server or its storage is unavailable; run the same command again later (an upload resumes where it stopped).",
        ImageStoreException =>
            "the server refused the request; the message above says which part to change.",
        HttpRequestException or SocketException =>
            $"is the image store running at {endpoint}? Pass the right address with --endpoint (or IMAGESTORE_ENDPOINT). An upload resumes where it stopped when run again.",
        TimeoutException =>
            "the server did not answer in time: raise --timeout, lower --chunk-size or --parallel on a slow link, and run the command again (an upload resumes).",
        OperationCanceledException =>
            "cancelled; run the same command again to resume the upload.",
        FileNotFoundException or DirectoryNotFoundException =>
            "check the local path.",
        _ => null,
    };

    /// <summary>The hint for an endpoint that answers 404 without a FabricError even for the store's root.</summary>
    public static string WrongEndpointHint(Uri endpoint) =>
        $"the endpoint may be wrong: {endpoint} answers 404 without a FabricError body even for the store's root (GET /ImageStore). " +
        "Pass the address the API is served at with --endpoint (or IMAGESTORE_ENDPOINT): the self-host's http://127.0.0.1:19080, or an Azure Functions app's " +
        "https://<app>.azurewebsites.net (its routes have no /api prefix).";
}
