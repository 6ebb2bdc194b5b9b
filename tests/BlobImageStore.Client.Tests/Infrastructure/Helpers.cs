using BlobImageStore.Client.Uploads;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.Client.Tests.Infrastructure;

/// <summary>An IProgress that runs its callback on the reporting thread (Progress&lt;T&gt; would post it elsewhere, later).</summary>
public sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}

public static class TestSessions
{
    public static long Missing(SessionView session) =>
        long.Parse(session.FileSize) == 0 ? 0 : session.Ranges.Sum(r => r.Last - r.First + 1);

    /// <summary>The server's view of a path's session once it stops changing (a chunk whose body had fully arrived
    /// when its client died may still be being staged).</summary>
    public static async Task<SessionView?> StableAsync(ImageStoreApi api, string storePath)
    {
        var last = await api.GetSessionByPathAsync(storePath);
        for (var i = 0; i < 50; i++)
        {
            await Task.Delay(300);
            var now = await api.GetSessionByPathAsync(storePath);
            if (Same(last, now))
            {
                return now;
            }

            last = now;
        }

        throw new TimeoutException($"the session of {storePath} kept changing");
    }

    private static bool Same(SessionView? a, SessionView? b) =>
        (a is null && b is null) || (a is not null && b is not null && a.SessionId == b.SessionId && a.Ranges.SequenceEqual(b.Ranges));

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "imagestore-journal-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static ResumableUploader Uploader(ImageStoreClient client, string journalDir) => new(client, new FileResumeJournal(journalDir));
}
