using Microsoft.Win32.SafeHandles;

namespace BlobImageStore.Client.Uploads;

/// <summary>What an upload reads its bytes from, at any offset: a local file, or a caller's seekable stream.</summary>
internal abstract class UploadSource : IDisposable
{
    /// <summary>Names the source in messages and in the resume journal.</summary>
    public abstract string Name { get; }

    public abstract long Length { get; }

    /// <summary>The file's last-write time; <see cref="DateTime.MinValue"/> for a stream.</summary>
    public abstract DateTime LastWriteUtc { get; }

    /// <summary>Reads up to <paramref name="buffer"/>'s length at <paramref name="offset"/>; 0 at the end.</summary>
    public abstract ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken);

    public async ValueTask ReadExactlyAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await ReadAsync(buffer[read..], offset + read, cancellationToken);
            if (n == 0)
            {
                throw new IOException($"{Name} ended at byte {offset + read}, before the chunk did; it was truncated during the upload.");
            }

            read += n;
        }
    }

    public abstract void Dispose();

    public static UploadSource Open(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"The file '{path}' does not exist.", path);
        }

        return new FileSource(Path.GetFullPath(path),
            File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.Asynchronous));
    }

    private sealed class FileSource(string path, SafeFileHandle handle) : UploadSource
    {
        public override string Name => $"'{path}'";

        public override long Length => RandomAccess.GetLength(handle);

        public override DateTime LastWriteUtc => File.GetLastWriteTimeUtc(path);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken) =>
            RandomAccess.ReadAsync(handle, buffer, offset, cancellationToken);

        public override void Dispose() => handle.Dispose();
    }

    /// <summary>A seekable stream shared by parallel chunks: each read seeks and reads under a lock. Not disposed here.</summary>
    public sealed class StreamSource : UploadSource
    {
        private readonly Stream _stream;
        private readonly long _start;
        private readonly SemaphoreSlim _gate = new(1, 1);

        public StreamSource(Stream stream)
        {
            ArgumentNullException.ThrowIfNull(stream);
            if (!stream.CanSeek || !stream.CanRead)
            {
                throw new ArgumentException("A resumable upload reads chunks at any offset (and again after a failure): the stream must be readable and seekable.", nameof(stream));
            }

            _stream = stream;
            _start = stream.Position;
        }

        public override string Name => "the stream";

        public override long Length => _stream.Length - _start;

        public override DateTime LastWriteUtc => DateTime.MinValue;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                _stream.Position = _start + offset;
                return await _stream.ReadAsync(buffer, cancellationToken);
            }
            finally
            {
                _gate.Release();
            }
        }

        public override void Dispose() => _gate.Dispose();
    }
}
