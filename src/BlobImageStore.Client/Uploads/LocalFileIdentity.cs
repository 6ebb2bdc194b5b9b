using System.Buffers.Binary;
using System.Security.Cryptography;

namespace BlobImageStore.Client.Uploads;

/// <summary>
/// What makes a local file "the same file" for resuming: its size, its last-write time and a fingerprint: SHA-256 over
/// the size, the first and last MiB, and 16 evenly spaced 64 KiB samples. Reading about 3 MiB, whatever the file size,
/// keeps the check instant for a 50 GiB file; with the write time it catches any ordinary edit, rewrite or
/// replacement. (It does not prove byte equality: per-chunk Content-MD5 protects the bytes in transit, and the file is
/// checked again just before the commit.)
/// </summary>
public sealed record LocalFileIdentity(long Size, DateTime LastWriteUtc, string Fingerprint)
{
    private const int EdgeBytes = 1024 * 1024;
    private const int SampleBytes = 64 * 1024;
    private const int Samples = 16;

    /// <summary>Reads the identity of the file at <paramref name="path"/>.</summary>
    /// <param name="path">The local file.</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <returns>Its size, write time and fingerprint.</returns>
    public static async Task<LocalFileIdentity> CaptureAsync(string path, CancellationToken cancellationToken = default)
    {
        using var source = UploadSource.Open(path);
        return await CaptureAsync(source, cancellationToken);
    }

    internal static async Task<LocalFileIdentity> CaptureAsync(UploadSource handle, CancellationToken cancellationToken)
    {
        var lastWrite = handle.LastWriteUtc;
        var size = handle.Length;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var header = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(header, size);
        sha.AppendData(header);

        var buffer = new byte[EdgeBytes];
        await AppendAsync(handle, sha, buffer, 0, EdgeBytes, size, cancellationToken);
        for (var i = 1; i <= Samples; i++)
        {
            await AppendAsync(handle, sha, buffer, size * i / (Samples + 1), SampleBytes, size, cancellationToken);
        }

        await AppendAsync(handle, sha, buffer, size - EdgeBytes, EdgeBytes, size, cancellationToken);
        return new LocalFileIdentity(size, lastWrite, Convert.ToHexString(sha.GetHashAndReset()));
    }

    private static async Task AppendAsync(UploadSource handle, IncrementalHash sha, byte[] buffer, long offset, int length, long size, CancellationToken cancellationToken)
    {
        offset = Math.Max(0, offset);
        length = (int)Math.Min(length, size - offset);
        var read = 0;
        while (read < length)
        {
            var n = await handle.ReadAsync(buffer.AsMemory(read, length - read), offset + read, cancellationToken);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        sha.AppendData(buffer, 0, read);
    }
}
