using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using BlobImageStore.Content;
using BlobImageStore.Errors;
using BlobImageStore.Http;
using BlobImageStore.Paths;
using BlobImageStore.Security;
using BlobImageStore.Sessions;

namespace BlobImageStore.UnitTests;

/// <summary>
/// docs/errors.md lists every code the server sends (issue 15, item 8): code, status, meaning, what to do. And the
/// catalogue words each refusal of the chunk rules and the content operations exactly as before they became typed
/// outcomes (issue 10): clients and tests compare these statuses, codes and texts.
/// </summary>
public partial class ErrorCatalogueTests
{
    private static readonly StorePath Pkg = StorePath.Parse("App/pkg.zip");

    public static TheoryData<string, Outcome, HttpStatusCode, string, string> Refusals() => new()
    {
        {
            "file too large", new FileTooLarge(300, 200, 4), HttpStatusCode.RequestEntityTooLarge, FabricErrorCodes.ValueTooLarge,
            "The file is 300 bytes; this store takes files up to 200 bytes (Azure's 50,000 blocks of at most 4 bytes each). Split it into several files."
        },
        {
            "chunk too large", new ChunkTooLarge(101, 100), HttpStatusCode.RequestEntityTooLarge, FabricErrorCodes.ValueTooLarge,
            "The chunk is 101 bytes; the largest chunk this store accepts is 100 bytes. Split the file into smaller chunks."
        },
        {
            "body length", new BodyLengthMismatch(new ContentRange(0, 9, 100), 11), HttpStatusCode.BadRequest, FabricErrorCodes.InvalidArgument,
            "The body is 11 bytes but bytes 0-9/100 names 10 bytes. Send exactly the bytes of the range."
        },
        {
            "chunk too small", new ChunkTooSmall(new ContentRange(0, 9, 1_000_000), 40), HttpStatusCode.BadRequest, FabricErrorCodes.InvalidArgument,
            "The chunk is 10 bytes; for a file of 1000000 bytes every chunk but the last must be at least 40 bytes, so that the file fits Azure's limit of 50000 blocks. Use larger chunks."
        },
        {
            "upload too large", new UploadTooLarge(900, 800, 16), HttpStatusCode.RequestEntityTooLarge, FabricErrorCodes.ValueTooLarge,
            "The file is 900 bytes or more; one UploadFile takes at most 800 bytes (Azure's 50,000 blocks of ImageStore:BlockSize = 16 bytes). Upload it in chunks with an upload session (UploadChunk), or ask the operator to raise ImageStore:BlockSize."
        },
        {
            "upload MD5", new UploadMd5Mismatch([1, 2, 3], [4, 5, 6]), HttpStatusCode.BadRequest, FabricErrorCodes.InvalidArgument,
            "The body does not match its Content-MD5 (AQID; the body's MD5 is BAUG): it was damaged on the way, or the header is for another file. Nothing was stored; send the file again."
        },
        {
            "upload discarded", new UploadDiscarded(Pkg), HttpStatusCode.ServiceUnavailable, FabricErrorCodes.ServiceTooBusy,
            "Another write of 'App/pkg.zip' finished while this upload was being stored, which discarded this upload's blocks; nothing of this upload was kept. Retry the upload."
        },
        {
            "upload lost its claim", new WriteLeaseLost(Pkg, WriteAction.UploadFile), HttpStatusCode.ServiceUnavailable, FabricErrorCodes.ServiceTooBusy,
            "This upload of 'App/pkg.zip' lost its hold on the path (it was too slow to renew it); nothing of it was kept. Retry the upload."
        },
        {
            "copy lost its claim", new WriteLeaseLost(Pkg, WriteAction.Copy), HttpStatusCode.ServiceUnavailable, FabricErrorCodes.ServiceTooBusy,
            "The copy to 'App/pkg.zip' lost its hold on the path (it took too long); the copy is incomplete. Repeat the copy."
        },
        {
            "copy onto its source", new CopyIntoSource(StorePath.Parse("App"), StorePath.Parse("App")), HttpStatusCode.BadRequest, FabricErrorCodes.InvalidArgument,
            "RemoteDestination 'App' is the same as RemoteSource 'App'. Copy to a path outside the source."
        },
        {
            "copy into its source", new CopyIntoSource(StorePath.Parse("App"), StorePath.Parse("App/v2")), HttpStatusCode.BadRequest, FabricErrorCodes.InvalidArgument,
            "RemoteDestination 'App/v2' is inside RemoteSource 'App'. Copy to a path outside the source."
        },
        {
            "copy source missing", new CopySourceMissing(StorePath.Parse("Nope")), HttpStatusCode.NotFound, FabricErrorCodes.FileNotFound,
            "RemoteSource 'Nope' names no file or folder in the image store. Check the path (GET /ImageStore/Nope lists what is there)."
        },
        {
            "copy source vanished", new CopySourceVanished("App/a.txt", StorePath.Parse("Store/App/a.txt")), HttpStatusCode.NotFound, FabricErrorCodes.FileNotFound,
            "'App/a.txt' was deleted while it was being copied to 'Store/App/a.txt'; the copy is incomplete. Upload the source again, then repeat the copy."
        },
        {
            "chunk too slow", new ChunkTooSlow(Guid.Parse("6f9619ff-8b86-d011-b42d-00cf4fc964ff"), new ByteRange(0, 9), new DateTimeOffset(2026, 12, 3, 17, 0, 0, TimeSpan.Zero)),
            HttpStatusCode.RequestTimeout, FabricErrorCodes.Timeout,
            "Bytes 0-9 of upload session 6f9619ff-8b86-d011-b42d-00cf4fc964ff arrived, but could not be kept before this request's deadline (2026-12-03T17:00:00.000Z: its ?timeout=, at most ImageStore:Limits:MaxRequestTimeout, plus the tolerated clock skew), so nothing of this chunk was kept. Send it again."
        },
        {
            "token of the root", new InvalidContinuationToken("abc", null), HttpStatusCode.BadRequest, FabricErrorCodes.InvalidArgument,
            "ContinuationToken 'abc' is not one this server gave out for the listing of the store root. " +
            "Pass the ContinuationToken of the previous page of the same listing unchanged, or list again without it to start from the first page."
        },
        {
            "long token of a path", new InvalidContinuationToken(new string('x', 101), Pkg), HttpStatusCode.BadRequest, FabricErrorCodes.InvalidArgument,
            $"ContinuationToken '{new string('x', 100)}…' is not one this server gave out for the listing of 'App/pkg.zip'. " +
            "Pass the ContinuationToken of the previous page of the same listing unchanged, or list again without it to start from the first page."
        },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Each_refusal_has_its_status_code_and_message(string name, Outcome refusal, HttpStatusCode status, string code, string message)
    {
        var error = ErrorCatalogue.ToError(refusal);

        Assert.False(refusal.Succeeded, name);
        Assert.Equal((status, code, message), (error.Status, error.Code, error.Message));
    }

    [Fact]
    public void The_refusals_of_the_chunk_rules_are_the_ones_ChunkLayout_returns()
    {
        var layout = new ChunkLayout(BlockSize: 4, MaxChunkSize: 100);

        var error = ErrorCatalogue.ToError(layout.Check(new ContentRange(0, 100, 150), null)!);

        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, FabricErrorCodes.ValueTooLarge), (error.Status, error.Code));
        Assert.Equal("The chunk is 101 bytes; the largest chunk this store accepts is 100 bytes. Split the file into smaller chunks.", error.Message);
    }

    [Fact]
    public void Authentication_refusals_are_401_or_403_with_E_ACCESSDENIED_and_say_how_to_authenticate()
    {
        var wanted = ErrorCatalogue.CredentialsRequired(certificates: true, entraApplication: "app-id");
        Assert.Equal((HttpStatusCode.Unauthorized, FabricErrorCodes.AccessDenied), (wanted.Status, wanted.Code));
        Assert.Equal(
            "Authenticate with a client certificate (TLS, e.g. sfctl --pem, or --cert and --key) or an Entra ID bearer token for the cluster application app-id (e.g. sfctl cluster select --aad; GET /$/GetAadMetadata says where to sign in).",
            wanted.Message);

        var rejected = ErrorCatalogue.CredentialRejected("client certificate", "it expired", certificates: true, entraApplication: null);
        Assert.Equal((HttpStatusCode.Unauthorized, FabricErrorCodes.AccessDenied), (rejected.Status, rejected.Code));
        Assert.Equal("The client certificate was rejected: it expired. Authenticate with a client certificate (TLS, e.g. sfctl --pem, or --cert and --key).", rejected.Message);

        var readOnly = ErrorCatalogue.AdminRequired("UploadFile", CallerKind.Entra);
        Assert.Equal((HttpStatusCode.Forbidden, FabricErrorCodes.AccessDenied), (readOnly.Status, readOnly.Code));
        Assert.Equal(
            "UploadFile changes the image store and needs the Admin role; this Entra ID account has the ReadOnly role, which may only read (GET). Use an admin client certificate or an Entra ID account with the Admin app role.",
            readOnly.Message);

        Assert.Equal(HttpStatusCode.Forbidden, ErrorCatalogue.CertificateNotAllowed("AB12", "CN=x").Status);
        Assert.Equal(HttpStatusCode.Forbidden, ErrorCatalogue.NoAppRole().Status);
        Assert.Equal(HttpStatusCode.Unauthorized, ErrorCatalogue.LoopbackOnly().Status);
        Assert.Equal(HttpStatusCode.Unauthorized, ErrorCatalogue.ForwardedCertificateInvalid("X-ARR-ClientCert").Status);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, FabricErrorCodes.ServiceOffline),
            (ErrorCatalogue.IdentityProviderUnreachable("https://login").Status, ErrorCatalogue.IdentityProviderUnreachable("https://login").Code));
    }

    [Fact]
    public void The_endpoints_refusals_name_what_is_served()
    {
        var none = ErrorCatalogue.NoOperation("PUT", "/ImageStore/$/Nope", [], ["GET /b", "GET /a"]);
        Assert.Equal((HttpStatusCode.BadRequest, FabricErrorCodes.InvalidArgument), (none.Status, none.Code));
        Assert.Equal("No image store operation matches PUT /ImageStore/$/Nope. The operations served are: GET /a; GET /b.", none.Message);

        var named = ErrorCatalogue.NoOperation("GET", "/ImageStore/$/Copy", ["POST /ImageStore/$/Copy"], ["GET /a"]);
        Assert.Equal("No image store operation matches GET /ImageStore/$/Copy. It is served as POST /ImageStore/$/Copy.", named.Message);

        Assert.Equal("This server serves the Service Fabric image store API under /ImageStore, and /$/A, /$/B.", ErrorCatalogue.NotImageStore(["/$/A", "/$/B"]).Message);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, FabricErrorCodes.ServiceOffline), (ErrorCatalogue.StorageUnavailable(0, null).Status, ErrorCatalogue.StorageUnavailable(0, null).Code));
        Assert.Equal("Blob Storage is busy or failing (503 ServerBusy). Retry the request later.", ErrorCatalogue.StorageUnavailable(503, "ServerBusy").Message);
        Assert.Equal(HttpStatusCode.InternalServerError, ErrorCatalogue.Unexpected(new InvalidOperationException(), "t1").Status);
    }

    [Fact]
    public void A_rate_limited_request_is_503_naming_the_limit_it_hit()
    {
        var limits = new ImageStoreLimitsOptions { MaxConcurrentRequests = 8, MaxConcurrentUploadsPerCaller = 2, UploadQueueLimitPerCaller = 3, RetryAfterSeconds = 5 };

        var server = ErrorCatalogue.RateLimited(limits, callerUploads: false);
        var caller = ErrorCatalogue.RateLimited(limits, callerUploads: true);

        Assert.Equal((HttpStatusCode.ServiceUnavailable, FabricErrorCodes.ServiceTooBusy), (server.Status, server.Code));
        Assert.Equal("The server is serving its limit of 8 requests (ImageStore:Limits:MaxConcurrentRequests). Retry after 5 s.", server.Message);
        Assert.Equal(
            "This caller already has 2 uploads running and 3 waiting (ImageStore:Limits:MaxConcurrentUploadsPerCaller, UploadQueueLimitPerCaller). Retry after 5 s, or upload fewer chunks in parallel.",
            caller.Message);
    }

    private static readonly string Root = FindRoot();

    public static TheoryData<string> Codes()
    {
        var data = new TheoryData<string>();
        foreach (var code in FabricErrorCodeValues())
        {
            data.Add(code);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Codes))]
    public void Every_code_of_FabricErrorCodes_has_a_complete_row_in_docs_errors_md(string code)
    {
        var rows = Rows();

        Assert.True(rows.TryGetValue(code, out var row), $"docs/errors.md has no row for {code}: add code, status, meaning here and what the client should do.");
        Assert.Matches(@"^\d{3}", row[0]);
        Assert.All(row, cell => Assert.False(string.IsNullOrWhiteSpace(cell)));
    }

    [Fact]
    public void The_table_has_no_row_for_a_code_the_server_does_not_send()
    {
        Assert.Empty(Rows().Keys.Except(FabricErrorCodeValues()));
    }

    [Fact]
    public void Every_error_code_written_in_the_server_source_is_one_of_FabricErrorCodes()
    {
        var known = FabricErrorCodeValues().ToHashSet();
        var literals = Directory.EnumerateFiles(Path.Combine(Root, "src", "BlobImageStore"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => CodeLiteral().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), Code: m.Groups[1].Value)))
            .Where(l => !known.Contains(l.Code))
            .ToList();

        Assert.Empty(literals);
    }

    /// <summary>The values of the public string constants of <see cref="FabricErrorCodes"/>, by reflection.</summary>
    private static IEnumerable<string> FabricErrorCodeValues() =>
        typeof(FabricErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!);

    /// <summary>Rows of the table in docs/errors.md: code → (status, meaning, what to do).</summary>
    private static Dictionary<string, string[]> Rows() =>
        File.ReadLines(Path.Combine(Root, "docs", "errors.md"))
            .Select(l => TableRow().Match(l))
            .Where(m => m.Success)
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Split('|').Select(c => c.Trim()).Where(c => c.Length > 0).ToArray());

    [GeneratedRegex(@"^\| `([A-Z_]+)` \|(.*)\|$")]
    private static partial Regex TableRow();

    [GeneratedRegex("\"((?:FABRIC_)?E_[A-Z_]+)\"")]
    private static partial Regex CodeLiteral();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BlobImageStore.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("BlobImageStore.sln not found above " + AppContext.BaseDirectory);
    }
}
