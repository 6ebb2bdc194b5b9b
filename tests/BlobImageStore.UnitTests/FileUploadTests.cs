using System.Security.Cryptography;
using BlobImageStore.Content;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;
using BlobImageStore.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BlobImageStore.UnitTests;

/// <summary>The UploadFile streaming logic against in-memory storage: what is written, in what pieces, and when not.</summary>
public class FileUploadTests
{
    private const int BlockSize = 64 * 1024;

    private readonly FakeStorage _storage = new();

    private FileUploads Uploads() => new(_storage, _storage, BlockBufferPool.Unbounded(), Options(), NullLogger<FileUploads>.Instance);

    private static IOptions<ImageStoreOptions> Options() => Microsoft.Extensions.Options.Options.Create(new ImageStoreOptions { BlockSize = BlockSize });

    [Theory]
    [InlineData(0, 1, 0)]
    [InlineData(1, 1, 0)]
    [InlineData(BlockSize, 1, 0)]
    [InlineData(BlockSize + 1, 0, 2)]
    [InlineData(3 * BlockSize, 0, 3)]
    [InlineData(3 * BlockSize + 5, 0, 4)]
    public async Task A_body_of_one_block_is_one_put_and_a_larger_one_is_staged_blocks_and_one_commit(int size, int puts, int blocks)
    {
        var file = Bytes(size);

        var result = await Uploads().UploadAsync(StorePath.Parse("a/b"), new TrickleStream(file), null, null, null, CancellationToken.None);

        Assert.Equal((size, Math.Max(1, blocks)), (result.Bytes, result.Blocks));
        Assert.Equal(puts, _storage.Puts.Count);
        Assert.Equal(blocks, _storage.Staged.Count);
        Assert.Equal(file, _storage.File("a/b"));
        Assert.Equal(MD5.HashData(file), _storage.Md5("a/b"));
        Assert.All(_storage.Staged.SkipLast(1), s => Assert.Equal(BlockSize, s.Length));
        Assert.True(_storage.MaxInFlight <= 1);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(3 * BlockSize)]
    public async Task A_wrong_Content_MD5_commits_nothing(int size)
    {
        var file = Bytes(size);

        var result = await Uploads().UploadAsync(StorePath.Parse("a/b"), new MemoryStream(file), size, MD5.HashData([1]), null, CancellationToken.None);

        var refused = Assert.IsType<UploadMd5Mismatch>(result.Refusal);
        Assert.Equal(MD5.HashData([1]), refused.Expected);
        Assert.Equal(MD5.HashData(file), refused.Actual);
        Assert.Empty(_storage.Puts);
        Assert.Empty(_storage.Commits);
    }

    [Fact]
    public async Task A_declared_length_over_50000_blocks_is_refused_before_reading()
    {
        var result = await Uploads().UploadAsync(StorePath.Parse("a/b"), new ThrowingStream(), 50_000L * BlockSize + 1, null, null, CancellationToken.None);

        Assert.Equal(new UploadTooLarge(50_000L * BlockSize + 1, 50_000L * BlockSize, BlockSize), result.Refusal);
        Assert.Empty(_storage.Puts);
    }

    [Fact]
    public async Task A_failed_block_is_reported_and_nothing_is_committed()
    {
        _storage.FailStageAt = 1;

        await Assert.ThrowsAsync<IOException>(() =>
            Uploads().UploadAsync(StorePath.Parse("a/b"), new MemoryStream(Bytes(4 * BlockSize)), null, null, null, CancellationToken.None));

        Assert.Empty(_storage.Commits);
    }

    private static byte[] Bytes(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A body that must not be read.</summary>
    private sealed class ThrowingStream : MemoryStream
    {
        public override int Read(byte[] buffer, int offset, int count) => throw new InvalidOperationException("the body was read");

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("the body was read");
    }

    /// <summary>Hands out a few bytes per read, like a chunked request body.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 7000));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 7000)], cancellationToken);
    }

    private sealed class FakeStorage : IBlockStaging, IFileWriter
    {
        private readonly Dictionary<string, byte[]> _blocks = [];
        private readonly Dictionary<string, (byte[] Content, byte[] Md5)> _files = [];
        private int _inFlight;

        public List<(string Id, int Length)> Staged { get; } = [];

        public List<string> Puts { get; } = [];

        public List<string> Commits { get; } = [];

        public int MaxInFlight { get; private set; }

        public int? FailStageAt { get; set; }

        public byte[] File(string name) => _files[name].Content;

        public byte[] Md5(string name) => _files[name].Md5;

        public async Task<bool> StageAsync(StorePath path, string blockId, ReadOnlyMemory<byte> content, byte[] md5, CancellationToken cancellationToken)
        {
            MaxInFlight = Math.Max(MaxInFlight, Interlocked.Increment(ref _inFlight));
            try
            {
                await Task.Delay(1, cancellationToken);
                Assert.Equal(MD5.HashData(content.Span), md5);
                if (FailStageAt == Staged.Count)
                {
                    throw new IOException("storage failed");
                }

                lock (_blocks)
                {
                    _blocks[blockId] = content.ToArray();
                    Staged.Add((blockId, content.Length));
                }

                return true;
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }

        public Task PutAsync(StorePath path, ReadOnlyMemory<byte> content, byte[] md5, CancellationToken cancellationToken)
        {
            Puts.Add(path.Value);
            _files[path.Value] = (content.ToArray(), md5);
            return Task.CompletedTask;
        }

        public Task<bool> CommitAsync(StorePath path, IReadOnlyList<string> blockIds, byte[] md5, CancellationToken cancellationToken)
        {
            Commits.Add(path.Value);
            _files[path.Value] = (blockIds.SelectMany(id => _blocks[id]).ToArray(), md5);
            return Task.FromResult(true);
        }

        public Task<IReadOnlyList<StagedBlock>> GetBlocksAsync(StorePath path, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> TryCommitAsync(StorePath path, IReadOnlyList<string> blockIds, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
