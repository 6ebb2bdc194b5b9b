using System.Text.RegularExpressions;
using BlobImageStore.Cli;
using BlobImageStore.Client.Tests.Infrastructure;
using BlobImageStore.Client.Uploads;
using Spectre.Console.Testing;

namespace BlobImageStore.Client.Tests;

/// <summary>What a person at a terminal sees, rendered by Spectre.Console's test console at a fixed width.</summary>
public sealed partial class ProgressRenderingTests
{
    private const long MiB = 1024 * 1024;

    // A realistic store path: long enough that it cannot fit at 80 columns.
    private const string LongPath = "Contoso.Fabrikam.OrderProcessingApp/OrderProcessingServicePkg/Code/Contoso.Fabrikam.OrderProcessing.Service.dll";

    /// <summary>The lines the live display drew (cursor movements stripped, each refresh one after the other).</summary>
    private static async Task<IReadOnlyList<string>> RenderAsync(int width, bool package, Func<IProgress<PackageProgress>, Task> work, string title = "MyApp") =>
        (await FramesAsync(width, package, work, title)).SelectMany(f => f).ToList();

    /// <summary>Each refresh of the live display (Spectre pads each with a blank line above and below), as its lines.</summary>
    private static async Task<IReadOnlyList<IReadOnlyList<string>>> FramesAsync(int width, bool package, Func<IProgress<PackageProgress>, Task> work, string title = "MyApp")
    {
        var console = new TestConsole().Width(width).Interactive().EmitAnsiSequences();
        var cli = new CliConsole { Out = new StringWriter(), Error = new StringWriter(), ErrorConsole = console, Interactive = true };
        await ProgressView.RunAsync(ProgressMode.Bars, cli, title, 400 * MiB, package, async p =>
        {
            await work(p);
            await Task.Delay(250); // at least one refresh of the final state
            return 0;
        });
        var frames = new List<IReadOnlyList<string>>();
        var current = new List<string>();
        foreach (var line in Ansi().Replace(console.Output, "").Replace("\r", "", StringComparison.Ordinal).Split('\n'))
        {
            if (line.Trim().Length > 0)
            {
                current.Add(line);
            }
            else if (current.Count > 0)
            {
                frames.Add(current);
                current = [];
            }
        }

        if (current.Count > 0)
        {
            frames.Add(current);
        }

        return frames;
    }

    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")]
    private static partial Regex Ansi();

    private static PackageProgress File(string path, long total, long sent, long confirmed, double rate, UploadPhase phase) =>
        new(1, phase == UploadPhase.Completed ? 1 : 0, total, sent, confirmed, rate, new UploadProgress(path, total, sent, confirmed, rate, phase));

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public async Task Every_line_fits_the_terminal_and_a_long_path_is_shortened_in_the_middle(int width)
    {
        var lines = await RenderAsync(width, package: false, async p =>
        {
            p.Report(File(LongPath, 400 * MiB, 0, 0, 0, UploadPhase.Preparing));
            p.Report(File(LongPath, 400 * MiB, 100 * MiB, 100 * MiB, 20 * MiB, UploadPhase.Uploading));
            await Task.Delay(250);
            p.Report(File(LongPath, 400 * MiB, 400 * MiB, 400 * MiB, 20 * MiB, UploadPhase.Completed));
        });

        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.True(l.Length <= width, $"{l.Length} columns: '{l}'"));
        var bar = lines.Where(l => l.Contains('%', StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(bar);
        // One row per refresh, each on one line: the start and the file name both readable, the middle elided.
        Assert.All(bar, l => Assert.Matches(@"^Contoso\.Fab.*….*\.dll ", l));
        Assert.Contains(bar, l => l.Contains("100%", StringComparison.Ordinal) && l.Contains("400.0/400.0 MiB", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_single_file_has_one_bar_not_two()
    {
        var frames = await FramesAsync(120, package: false, async p =>
        {
            p.Report(File("MyApp/Code/big.bin", 400 * MiB, 200 * MiB, 200 * MiB, 20 * MiB, UploadPhase.Uploading));
            await Task.Delay(250);
            p.Report(File("MyApp/Code/big.bin", 400 * MiB, 400 * MiB, 400 * MiB, 20 * MiB, UploadPhase.Completed));
        });

        Assert.NotEmpty(frames);
        Assert.All(frames, f => Assert.Single(f, l => l.Contains('%', StringComparison.Ordinal)));
    }

    [Fact]
    public async Task After_a_resume_the_rate_counts_only_bytes_sent_in_this_run()
    {
        // 300 MiB were already on the server: the bar starts at 75%, but the rate is this run's 2 MiB/s, not 300 MiB at once.
        var lines = await RenderAsync(120, package: false, async p =>
        {
            p.Report(File("MyApp/Code/big.bin", 400 * MiB, 0, 300 * MiB, 0, UploadPhase.Uploading));
            await Task.Delay(300);
            p.Report(File("MyApp/Code/big.bin", 400 * MiB, 2 * MiB, 302 * MiB, 2 * MiB, UploadPhase.Uploading));
            await Task.Delay(300);
        });

        var rows = lines.Where(l => l.Contains("big.bin", StringComparison.Ordinal) && l.Contains('%', StringComparison.Ordinal)).ToList();
        Assert.Contains(rows, l => l.Contains("2.0 MiB/s", StringComparison.Ordinal));
        Assert.DoesNotContain(rows, l => Regex.IsMatch(l, @"\d{3,}\.\d MiB/s|GiB/s"));
    }

    [Fact]
    public async Task A_package_shows_a_total_and_one_bar_per_session_file_but_none_for_small_files()
    {
        var lines = await RenderAsync(80, package: true, async p =>
        {
            p.Report(new PackageProgress(3, 1, 400 * MiB, 1000, 1000, 0, new UploadProgress("MyApp/ApplicationManifest.xml", 1000, 1000, 1000, 0, UploadPhase.Completed)));
            p.Report(new PackageProgress(3, 1, 400 * MiB, 10 * MiB, 10 * MiB, 5 * MiB, new UploadProgress(LongPath, 300 * MiB, 10 * MiB, 10 * MiB, 5 * MiB, UploadPhase.Uploading)));
            await Task.Delay(250);
        });

        Assert.All(lines, l => Assert.True(l.Length <= 80, $"{l.Length} columns: '{l}'"));
        Assert.Contains(lines, l => l.StartsWith("MyApp (1/3 files)", StringComparison.Ordinal));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^Contoso\.Fab.*….*Service\.dll "));
        Assert.DoesNotContain(lines, l => l.Contains("ApplicationManifest", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Contoso.Fab", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_long_package_title_keeps_its_file_count_at_80_columns()
    {
        var lines = await RenderAsync(80, package: true, async p =>
        {
            p.Report(new PackageProgress(12, 5, 400 * MiB, 10 * MiB, 10 * MiB, 5 * MiB, new UploadProgress(LongPath, 300 * MiB, 10 * MiB, 10 * MiB, 5 * MiB, UploadPhase.Uploading)));
            await Task.Delay(250);
        }, title: "Contoso.Fabrikam.OrderProcessingApplicationPackage");

        Assert.All(lines, l => Assert.True(l.Length <= 80, $"{l.Length} columns: '{l}'"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^Cont.*….*ge \(5/12 files\) "));
    }

    [Theory]
    [InlineData("abcdef", 6, "abcdef")]
    [InlineData("abcdefghij", 7, "abc…hij")]
    [InlineData("MyApp/Code/big.bin", 10, "MyAp…g.bin")]
    public void Shortening_keeps_both_ends(string text, int width, string expected) =>
        Assert.Equal(expected, ProgressView.ShortenMiddle(text, width));
}

/// <summary>The rm confirmation on a terminal, answered through Spectre.Console's test console (in process).</summary>
[Collection(ClientStoreCollection.Name)]
public sealed class RemoveConfirmationTests(ClientStoreFixture store)
{
    private async Task<(int Exit, string Out, string Err, string Screen)> RunAsync(string? answer, params string[] args)
    {
        var console = new TestConsole().Width(250).Interactive();
        if (answer is not null)
        {
            console.Input.PushTextWithEnter(answer);
        }

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var cli = new CliConsole { Out = stdout, Error = stderr, ErrorConsole = console, Interactive = true };
        var exit = await Commands.RunAsync([.. args, "--endpoint", store.Proxy.Address.ToString(), "--journal-dir", TestSessions.TempDir()], cli, CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString(), console.Output);
    }

    [Fact]
    public async Task A_folder_is_deleted_only_after_a_yes_that_named_what_goes_or_with_yes()
    {
        var root = "confirm-" + Guid.NewGuid().ToString("N");
        var client = store.Client();
        await client.UploadFileAsync($"{root}/x/one.bin", new byte[100]);
        await client.UploadFileAsync($"{root}/x/deep/two.bin", new byte[200]);

        var declined = await RunAsync("n", "rm", "-r", $"{root}/x");
        Assert.Equal(ExitCodes.NotConfirmed, declined.Exit);
        Assert.Contains($"Delete the folder '{root}/x' and everything under it: 2 files, 300 B (300 bytes)?", declined.Screen);
        Assert.Equal(300, (await client.GetFolderSizeAsync($"{root}/x")).FolderSize);

        var accepted = await RunAsync("y", "rm", "-r", $"{root}/x");
        Assert.Equal(0, accepted.Exit);
        Assert.Equal($"deleted folder {root}/x: 2 files, 300 bytes", accepted.Out.Trim());
        await Assert.ThrowsAsync<ImageStoreException>(() => client.ListPageAsync($"{root}/x"));

        await client.UploadFileAsync($"{root}/y/one.bin", new byte[1]);
        var unasked = await RunAsync(null, "rm", "-r", "--yes", $"{root}/y");
        Assert.Equal(0, unasked.Exit);
        Assert.DoesNotContain("Delete the folder", unasked.Screen);

        await client.UploadFileAsync($"{root}/z.bin", new byte[1]);
        var file = await RunAsync(null, "rm", $"{root}/z.bin");
        Assert.Equal(0, file.Exit); // a single file needs no confirmation
        Assert.Equal($"deleted {root}/z.bin", file.Out.Trim());
    }
}
