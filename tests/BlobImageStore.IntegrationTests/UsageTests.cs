using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Azure.Storage.Blobs.Models;
using BlobImageStore.IntegrationTests.Infrastructure;
using BlobImageStore.Sessions;
using BlobImageStore.Storage;

namespace BlobImageStore.IntegrationTests;

/// <summary>
/// GetImageStoreFolderSize, GetImageStoreRootFolderSize and GetImageStoreInfo: numbers measured from the store (Info's
/// session usage from the summary the cleanup writes, or measured when there is none).
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class UsageTests(StoreFixture store)
{
    [Fact]
    public async Task Folder_size_sums_the_files_at_any_depth_and_a_file_is_its_own_size()
    {
        var root = $"it-{Guid.NewGuid():N}";
        await store.Api.PutFileOkAsync($"{root}/a.bin", TestData.Bytes(100_000, 1));
        await store.Api.PutFileOkAsync($"{root}/sub/deep/b.bin", TestData.Bytes(23, 2));
        await store.Api.PutFileOkAsync($"{root}/_.dir", []);
        await Fabric.AssertOkAsync(await store.Api.UploadChunkAsync($"{root}/staged.bin", Guid.NewGuid(), TestData.Bytes(50, 3), 0, 9));

        var folder = await store.Api.FolderSizeAsync(root);
        var file = await store.Api.FolderSizeAsync($"{root}%2Fsub%2Fdeep%2Fb.bin");

        Assert.Equal((root, "100023"), (folder.StoreRelativePath, folder.FolderSize));
        Assert.Equal((Win.Path($"{root}/sub/deep/b.bin"), "23"), (file.StoreRelativePath, file.FolderSize));
        await Fabric.AssertErrorAsync(await store.Api.FolderSizeResponseAsync($"{root}/nothing"), HttpStatusCode.NotFound, "FABRIC_E_DIRECTORY_NOT_FOUND");
    }

    [Fact]
    public async Task Info_after_a_cleanup_run_reports_each_category_and_the_sessions_opened_before_it()
    {
        await using var iso = await IsolatedStore.StartAsync(store, new Dictionary<string, string>
        {
            ["ImageStore__AccountCapacity"] = "10000000",
            ["ImageStore__CleanupInterval"] = "00:00:00.500",
        });
        var empty = await iso.Api.InfoAsync();
        Assert.Equal(("10000000", "10000000"), (empty.DiskInfo.Capacity, empty.DiskInfo.AvailableSpace));
        Assert.All([empty.UsedByCopy, empty.UsedByRegister, empty.UsedByStaging, empty.UsedByMetadata], u => Assert.Equal(("0", "0"), (u.UsedSpace, u.FileCount)));
        Assert.Equal("0", (await iso.Api.FolderSizeAsync(null)).FolderSize);

        await iso.Api.PutFileOkAsync("MyApp/ApplicationManifest.xml", TestData.Bytes(1000, 1));
        await iso.Api.PutFileOkAsync("MyApp/_.dir", []);
        await iso.Api.PutFileOkAsync("Store/MyAppType/ApplicationManifest.1.0.xml", TestData.Bytes(300, 2));
        await iso.Api.PutFileOkAsync("WindowsFabricStore/Cluster.xml", TestData.Bytes(20, 3));
        var (open, other) = (Guid.NewGuid(), Guid.NewGuid());
        await Fabric.AssertOkAsync(await iso.Api.UploadChunkAsync("MyApp/big.bin", open, TestData.Bytes(5000, 4), 0, 1999));
        await Fabric.AssertOkAsync(await iso.Api.UploadChunkAsync("MyApp/big.bin2", other, TestData.Bytes(5000, 4), 4000, 4999));
        await WaitForSummaryAsync(iso, measuredAfter: DateTimeOffset.UtcNow);

        var info = await iso.Api.InfoAsync();

        Assert.Equal(("1000", "2"), (info.UsedByCopy.UsedSpace, info.UsedByCopy.FileCount));
        Assert.Equal(("320", "2"), (info.UsedByRegister.UsedSpace, info.UsedByRegister.FileCount));
        // Staging bytes are the records' ReceivedBytes: a chunk's acknowledgement writes them when the bytes received have
        // at least doubled since the record said (docs/protocol.md), so a session's first chunk is counted.
        Assert.Equal(("3000", "2"), (info.UsedByStaging.UsedSpace, info.UsedByStaging.FileCount));
        var (metadataFiles, metadataBytes) = await RecordsAndClaimsAsync(iso);
        Assert.Equal(4, metadataFiles); // two session records and two path claims
        Assert.Equal((metadataBytes.ToString(), "4"), (info.UsedByMetadata.UsedSpace, info.UsedByMetadata.FileCount));
        Assert.Equal((10_000_000 - 1000 - 320 - 3000 - metadataBytes).ToString(), info.DiskInfo.AvailableSpace);
        Assert.Equal("1320", (await iso.Api.FolderSizeAsync(null)).FolderSize);
    }

    [Fact]
    public async Task With_no_usage_summary_Info_measures_the_session_container_and_writes_the_summary()
    {
        await using var iso = await IsolatedStore.StartAsync(store); // the cleanup runs at start, then every 5 minutes
        await WaitForSummaryAsync(iso, measuredAfter: DateTimeOffset.MinValue); // the run at start is done
        await Fabric.AssertOkAsync(await iso.Api.UploadChunkAsync("app/a.bin", Guid.NewGuid(), TestData.Bytes(100, 5), 0, 39));
        var summary = iso.Sessions.GetBlobClient(BlobSessionUsageSummary.BlobName);
        Assert.True((await summary.DeleteIfExistsAsync()).Value);
        var before = DateTimeOffset.UtcNow;

        var info = await iso.Api.InfoAsync();

        Assert.Equal(("40", "1"), (info.UsedByStaging.UsedSpace, info.UsedByStaging.FileCount));
        var (files, bytes) = await RecordsAndClaimsAsync(iso);
        Assert.Equal((bytes.ToString(), files.ToString()), (info.UsedByMetadata.UsedSpace, info.UsedByMetadata.FileCount));
        using var written = JsonDocument.Parse((await summary.DownloadContentAsync()).Value.Content.ToString());
        Assert.Equal(1, written.RootElement.GetProperty("Usage").GetProperty("OpenSessions").GetInt64());
        Assert.True(written.RootElement.GetProperty("MeasuredAt").GetDateTimeOffset() >= before.AddSeconds(-5));
    }

    [Fact]
    public async Task The_usage_summary_is_no_session_to_listings_lookups_or_the_cleanup_even_for_a_file_named_like_it()
    {
        await using var iso = await IsolatedStore.StartAsync(store, new Dictionary<string, string> { ["ImageStore__CleanupInterval"] = "00:00:00.500" });
        var (own, named) = (Guid.NewGuid(), Guid.NewGuid());
        await Fabric.AssertOkAsync(await iso.Api.UploadChunkAsync("pkg/a.bin", own, TestData.Bytes(100, 6), 0, 39));
        await Fabric.AssertOkAsync(await iso.Api.UploadChunkAsync(BlobSessionUsageSummary.BlobName, named, TestData.Bytes(100, 7), 0, 39));
        await WaitForSummaryAsync(iso, measuredAfter: DateTimeOffset.UtcNow); // a cleanup run went over both sessions

        using var listed = await iso.Api.Http.GetAsync("/ImageStore/$/ListUploadSessions?api-version=6.0");
        var sessions = JsonDocument.Parse(await listed.Content.ReadAsStringAsync()).RootElement.GetProperty("UploadSessions")
            .EnumerateArray().Select(s => s.GetProperty("SessionId").GetString()).Order().ToList();
        Assert.Equal(new[] { own.ToString(), named.ToString() }.Order(), sessions);
        Assert.Equal(named.ToString(), (await iso.Api.GetSessionByPathAsync(BlobSessionUsageSummary.BlobName))!.SessionId);
        Assert.Equal(own.ToString(), (await iso.Api.GetSessionByPathAsync("pkg/a.bin"))!.SessionId);
        Assert.Equal("2", (await iso.Api.InfoAsync()).UsedByStaging.FileCount);
        Assert.False((await iso.Files.GetBlobClient(BlobSessionUsageSummary.BlobName).ExistsAsync()).Value); // no file appeared

        // Both sessions are still whole after the cleanup's runs: resumable and committable.
        await Fabric.AssertOkAsync(await iso.Api.UploadChunkAsync(BlobSessionUsageSummary.BlobName, named, TestData.Bytes(100, 7), 40, 99));
        await Fabric.AssertOkAsync(await iso.Api.CommitAsync(named));
        Assert.Equal("100", (await iso.Api.FolderSizeAsync(BlobSessionUsageSummary.BlobName)).FolderSize);
    }

    /// <summary>The session container's records and claims (not the summary), as a listing sees them.</summary>
    private static async Task<(long Files, long Bytes)> RecordsAndClaimsAsync(IsolatedStore iso)
    {
        long files = 0, bytes = 0;
        await foreach (var blob in iso.Sessions.GetBlobsAsync(BlobTraits.None, BlobStates.None, null, CancellationToken.None))
        {
            if (blob.Name.StartsWith("sessions/", StringComparison.Ordinal) || blob.Name.StartsWith(ClaimNames.Prefix, StringComparison.Ordinal))
            {
                (files, bytes) = (files + 1, bytes + blob.Properties.ContentLength!.Value);
            }
        }

        return (files, bytes);
    }

    /// <summary>Waits (generous deadline, no fixed sleep) until a cleanup run that started after <paramref name="measuredAfter"/> wrote the summary.</summary>
    private static async Task WaitForSummaryAsync(IsolatedStore iso, DateTimeOffset measuredAfter)
    {
        var blob = iso.Sessions.GetBlobClient(BlobSessionUsageSummary.BlobName);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if ((await blob.ExistsAsync()).Value)
            {
                using var summary = JsonDocument.Parse((await blob.DownloadContentAsync()).Value.Content.ToString());
                if (summary.RootElement.GetProperty("MeasuredAt").GetDateTimeOffset() > measuredAfter)
                {
                    return;
                }
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), $"no usage summary measured after {measuredAfter:O} within 2 minutes");
            await Task.Delay(100);
        }
    }
}
