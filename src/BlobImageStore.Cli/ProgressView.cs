using System.Diagnostics;
using System.Globalization;
using BlobImageStore.Client.Uploads;
using Spectre.Console;

namespace BlobImageStore.Cli;

/// <summary>
/// Upload progress: Spectre.Console bars (one per file that goes through a session, plus the total) on a terminal;
/// plain lines on stdout otherwise (redirected to a file or a pipe, CI logs), at most one a second per file plus one at
/// each phase change, so logs stay readable.
/// </summary>
public static class ProgressView
{
    public static bool Interactive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public static async Task<T> RunAsync<T>(string title, long totalBytes, Func<IProgress<PackageProgress>, Task<T>> work)
    {
        if (!Interactive)
        {
            return await work(new PlainLines());
        }

        T result = default!;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var bars = new Bars(ctx, title, totalBytes);
                result = await work(bars);
                bars.Finish();
            });
        return result;
    }

    private sealed class Bars(ProgressContext ctx, string title, long totalBytes) : IProgress<PackageProgress>
    {
        private readonly ProgressTask _total = ctx.AddTask(Markup.Escape(title), maxValue: Math.Max(1, totalBytes));
        private readonly Dictionary<string, ProgressTask> _files = new(StringComparer.Ordinal);

        public void Report(PackageProgress value)
        {
            lock (_files)
            {
                _total.Value = value.BytesConfirmed;
                if (value.File is not { } file)
                {
                    return;
                }

                if (!_files.TryGetValue(file.StorePath, out var bar))
                {
                    bar = ctx.AddTask("  " + Markup.Escape(file.StorePath), maxValue: Math.Max(1, file.TotalBytes));
                    _files[file.StorePath] = bar;
                }

                bar.Value = file.Phase == UploadPhase.Completed ? bar.MaxValue : file.BytesConfirmed;
                bar.Description = "  " + Markup.Escape(file.StorePath) + (file.Phase == UploadPhase.Committing ? " (committing)" : "");
            }
        }

        public void Finish()
        {
            _total.Value = _total.MaxValue;
            _total.StopTask();
        }
    }

    /// <summary>Lines such as <c>progress 25% 16.0 MiB of 64.0 MiB, 12.3 MiB/s: app/big.bin</c>.</summary>
    private sealed class PlainLines : IProgress<PackageProgress>
    {
        private readonly Dictionary<string, (long Ticks, UploadPhase Phase)> _last = new(StringComparer.Ordinal);

        public void Report(PackageProgress value)
        {
            if (value.File is not { } file)
            {
                return;
            }

            lock (_last)
            {
                var now = Stopwatch.GetTimestamp();
                var due = !_last.TryGetValue(file.StorePath, out var last) || last.Phase != file.Phase
                    || Stopwatch.GetElapsedTime(last.Ticks, now) >= TimeSpan.FromSeconds(1);
                if (!due)
                {
                    return;
                }

                _last[file.StorePath] = (now, file.Phase);
                var percent = file.TotalBytes == 0 ? 100 : file.BytesConfirmed * 100 / file.TotalBytes;
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"progress {percent,3}% {Sizes.Format(file.BytesConfirmed)} of {Sizes.Format(file.TotalBytes)}, {Sizes.Format(file.BytesPerSecond)}/s, {file.Phase.ToString().ToLowerInvariant()}: {file.StorePath}"));
                Console.Out.Flush();
            }
        }
    }
}
