using System.ComponentModel.DataAnnotations;

namespace BlobImageStore;

/// <summary>The <c>ImageStore</c> configuration section (environment: <c>ImageStore__Name</c>).</summary>
public sealed class ImageStoreOptions
{
    public const string SectionName = "ImageStore";

    /// <summary>Name of the section that configures the Blob service client, read by Microsoft.Extensions.Azure:
    /// a connection string, or <c>serviceUri</c> with <c>credential</c>/<c>clientId</c> for a managed identity.</summary>
    public const string StorageSectionName = "ImageStore:Storage";

    /// <summary>Container that holds the files, one block blob per store path.</summary>
    [Required, RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    public string Container { get; set; } = "imagestore";

    /// <summary>Container that holds the upload-session records and path claims (never the files); must differ from <see cref="Container"/>.</summary>
    [Required, RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    public string SessionContainer { get; set; } = "imagestore-sessions";

    /// <summary>
    /// How much of a listing one page holds, in bytes of its JSON answer (each entry's size estimated from its name), before
    /// a <c>ContinuationToken</c>. The default is Service Fabric's: its pages fill up to NamingService MaxMessageSize
    /// (4 MiB) times MessageContentBufferRatio (0.75), so clients that never page (sfctl, the .NET client, Service
    /// Fabric Explorer) see whole folders of thousands of files.
    /// </summary>
    [Range(16 * 1024, 256 * 1024 * 1024)]
    public int ListPageBytes { get; set; } = Content.ListingSize.ServiceFabricPageBytes;

    /// <summary>
    /// Most entries (files and folders together) in one page of a content listing, on top of <see cref="ListPageBytes"/>;
    /// 0 (the default) for no limit but the size. Each folder in a page costs a listing of its own (to count its files).
    /// </summary>
    [Range(0, int.MaxValue)]
    public int ListPageSize { get; set; }

    /// <summary>
    /// What <c>GET /ImageStore/$/Info</c> reports as <c>DiskInfo.Capacity</c>, in bytes: Azure's limit for a standard
    /// storage account (5 PiB). Blob Storage has no disk to measure; set this to the account's actual limit if raised.
    /// </summary>
    [Range(1, long.MaxValue)]
    public long AccountCapacity { get; set; } = 5L * 1024 * 1024 * 1024 * 1024 * 1024;

    /// <summary>Largest UploadChunk body. The default is the Azure Functions request limit (100 MB).</summary>
    [Range(1, 4000L * 1024 * 1024)]
    public long MaxChunkSize { get; set; } = ImageStoreProtocol.DefaultMaxChunkSize;

    /// <summary>
    /// Size of the pieces a chunk is staged in, one pooled buffer each; a request holds at most two at once
    /// (one being read from the client while the previous one is sent to storage). A new upload session gets this
    /// size, or a larger one chosen from its file size when the file would need more than
    /// <see cref="ChunkLayout.MaxBlocksForData"/> blocks of it (recorded with the session). A chunk no larger than a
    /// block (the client's default chunk size, 4 MiB, for files up to about 4 GiB) is one block, and each of its bytes is
    /// MD5-hashed once; a chunk of several blocks that carries a Content-MD5 is MD5-hashed twice.
    /// </summary>
    [Range(64 * 1024, Sessions.ChunkLayout.MaxBlockSize)]
    public int BlockSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Memory budget, in bytes, for the staging buffers of all requests in flight together (UploadChunk). When it is
    /// spent, further requests wait for a buffer (they do not fail), reading nothing of their body meanwhile. A block
    /// larger than the budget is still served, alone. Default 96 MiB.
    /// </summary>
    [Range(64 * 1024, long.MaxValue)]
    public long BufferBudget { get; set; } = 96L * 1024 * 1024;

    /// <summary>Separator of <c>StoreRelativePath</c> in answers: <c>\</c> like the spec's (Windows cluster) examples, or <c>/</c>.</summary>
    [RegularExpression(@"^[\\/]$")]
    public string ResponsePathSeparator { get; set; } = "\\";

    /// <summary>
    /// A session expires this long after its last accepted chunk (Service Fabric: 30 minutes). It is expired from that
    /// moment on, whether or not the cleanup has run yet (see <see cref="Sessions.SessionLifetime"/>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How long the cleanup keeps the tombstone of an ended session (expired or committed) before deleting it: while
    /// it is kept, a chunk or commit for an expired session id gets a 404 that says so, and a repeated commit is 200.
    /// Seven days, like Azure's own discard of uncommitted blocks and the storage lifecycle rule on the session container.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan TombstoneRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How often the self-hosted server runs the session cleanup (the Functions app runs it on a timer, whose schedule
    /// should match it). Also bounds the age of Info's session usage: a summary older than twice this is measured again.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(5);

    public char ResponseSeparator => ResponsePathSeparator.Length == 1 ? ResponsePathSeparator[0] : '\\';
}
