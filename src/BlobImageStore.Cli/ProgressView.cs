using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BlobImageStore.Client.Uploads;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace BlobImageStore.Cli;

/// <summary>
/// Upload progress, always on stderr. <see cref="ProgressMode.Bars"/>: Spectre.Console bars, one per file that goes
/// through a session (plus, for a folder, one for the whole package), with every column of fixed width so a line fits
/// the terminal: the path is shortened in the middle to what is left. The rate and time left count the bytes sent in
/// this run only (bytes a resumed session already held are progress, not speed). <see cref="ProgressMode.Plain"/>: a
/// line at most once a second per file plus one at each phase change. <see cref="ProgressMode.Json"/>: the same as
/// line-delimited JSON (<see cref="ProgressEvent"/>).
/// </summary>
public static class ProgressView
{
    /// <summary>The mode <see cref="ProgressMode.Auto"/> stands for here.</summary>
    public static ProgressMode Resolve(ProgressMode mode, bool quiet, CliConsole console) => mode switch
    {
        ProgressMode.Auto when quiet => ProgressMode.None,
        ProgressMode.Auto => console.ErrorConsole.Profile.Capabilities is { Interactive: true, Ansi: true } ? ProgressMode.Bars : ProgressMode.Plain,
        _ => mode,
    };

    /// <summary>Runs <paramref name="work"/> with the progress display of <paramref name="mode"/>.</summary>
    /// <param name="package">A folder: a total bar above the files' bars. A single file: its bar alone.</param>
    public static async Task<T> RunAsync<T>(ProgressMode mode, CliConsole console, string title, long totalBytes, bool package, Func<IProgress<PackageProgress>, Task<T>> work)
    {
        switch (mode)
        {
            case ProgressMode.None:
                return await work(new Progress<PackageProgress>());
            case ProgressMode.Plain:
            case ProgressMode.Json:
                return await work(new Lines(console.Error, mode == ProgressMode.Json));
        }

        T result = default!;
        await console.ErrorConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(Layout(console.ErrorConsole.Profile.Width))
            .StartAsync(async ctx =>
            {
                var bars = new Bars(ctx, title, totalBytes, package);
                result = await work(bars);
                bars.Finish();
            });
        return result;
    }

    /// <summary>
    /// Fixed-width columns for a terminal <paramref name="width"/> columns wide: path, bar, percentage, bytes, rate, time
    /// left, each followed by one space. The path gets what the others leave (at least 16); the time left, then the
    /// rate, are dropped on very narrow terminals.
    /// </summary>
    public static ProgressColumn[] Layout(int width)
    {
        var bar = width >= 120 ? 24 : width >= 100 ? 16 : 10;
        var columns = new List<(ProgressColumn Column, int Width)>
        {
            (new ProgressBarColumn { Width = bar }, bar),
            (new FixedPercentageColumn(), FixedPercentageColumn.Width),
            (new BytesColumn(), BytesColumn.Width),
            (new RateColumn(), RateColumn.Width),
            (new TimeLeftColumn(), TimeLeftColumn.Width),
        };
        int PathWidth() => width - columns.Sum(c => c.Width + 1) - 1;
        while (PathWidth() < 16 && columns.Count > 3)
        {
            columns.RemoveAt(columns.Count - 1);
        }

        return [new PathColumn(Math.Max(8, PathWidth())), .. columns.Select(c => c.Column)];
    }

    /// <summary><paramref name="text"/> cut to <paramref name="width"/> characters by replacing its middle with <c>…</c>
    /// (the start of the path and the file name stay readable).</summary>
    public static string ShortenMiddle(string text, int width)
    {
        if (text.Length <= width)
        {
            return text;
        }

        if (width <= 1)
        {
            return "…"[..Math.Max(0, width)];
        }

        var keep = width - 1;
        var head = keep / 2;
        return string.Concat(text.AsSpan(0, head), "…", text.AsSpan(text.Length - (keep - head)));
    }

    private const string RateKey = "rate";

    private sealed class Bars : IProgress<PackageProgress>
    {
        private readonly ProgressContext _ctx;
        private readonly ProgressTask? _total;
        private readonly string _title;
        private readonly Dictionary<string, ProgressTask> _files = new(StringComparer.Ordinal);

        public Bars(ProgressContext ctx, string title, long totalBytes, bool package)
        {
            _ctx = ctx;
            _title = title;
            if (package)
            {
                _total = Add(title, totalBytes);
            }
        }

        private ProgressTask Add(string path, long max)
        {
            var task = _ctx.AddTask(Markup.Escape(path), maxValue: Math.Max(1, max));
            task.State.Update<double>(RateKey, _ => 0);
            return task;
        }

        public void Report(PackageProgress value)
        {
            lock (_files)
            {
                if (_total is not null)
                {
                    _total.Value = value.BytesConfirmed;
                    _total.State.Update<double>(RateKey, _ => value.BytesPerSecond);
                    _total.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{_title} ({value.CompletedFiles}/{value.TotalFiles} files)"));
                }

                if (value.File is not { } file)
                {
                    return;
                }

                if (!_files.TryGetValue(file.StorePath, out var bar))
                {
                    // Small files (sent whole) and skipped ones count in the total only: no bar that is full at once.
                    if (_total is not null && file.Phase is UploadPhase.Completed or UploadPhase.Skipped)
                    {
                        return;
                    }

                    bar = Add(file.StorePath, file.TotalBytes);
                    _files[file.StorePath] = bar;
                }

                bar.Value = file.Phase is UploadPhase.Completed ? bar.MaxValue : file.BytesConfirmed;
                bar.State.Update<double>(RateKey, _ => file.Phase is UploadPhase.Completed ? 0 : file.BytesPerSecond);
                if (file.Phase is UploadPhase.Completed)
                {
                    bar.StopTask();
                }
            }
        }

        public void Finish()
        {
            lock (_files)
            {
                if (_total is not null)
                {
                    _total.Value = _total.MaxValue;
                    _total.State.Update<double>(RateKey, _ => 0);
                    _total.StopTask();
                }

                foreach (var bar in _files.Values)
                {
                    bar.StopTask();
                }
            }
        }
    }

    private sealed class PathColumn(int width) : ProgressColumn
    {
        protected override bool NoWrap => true;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            // The package's total reads "MyApp (3/7 files)": the count stays whole, the path gives way.
            var text = Markup.Remove(task.Description);
            var count = text.EndsWith(" files)", StringComparison.Ordinal) ? text.LastIndexOf(" (", StringComparison.Ordinal) : -1;
            return new Text(count > 0 && width - (text.Length - count) >= 8
                ? ShortenMiddle(text[..count], width - (text.Length - count)) + text[count..]
                : ShortenMiddle(text, width));
        }

        public override int? GetColumnWidth(RenderOptions options) => width;
    }

    private sealed class FixedPercentageColumn : ProgressColumn
    {
        public const int Width = 4;

        protected override bool NoWrap => true;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(string.Create(CultureInfo.InvariantCulture, $"{(int)Math.Floor(task.Percentage),3}%")).RightJustified();

        public override int? GetColumnWidth(RenderOptions options) => Width;
    }

    /// <summary><c>19.1/40.0 MiB</c>: confirmed of total, in the total's unit.</summary>
    private sealed class BytesColumn : ProgressColumn
    {
        public const int Width = 17;

        protected override bool NoWrap => true;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var (scale, unit) = Sizes.Unit(task.MaxValue);
            return new Text(string.Create(CultureInfo.InvariantCulture, $"{task.Value / scale:0.0}/{task.MaxValue / scale:0.0} {unit}")).RightJustified();
        }

        public override int? GetColumnWidth(RenderOptions options) => Width;
    }

    /// <summary>The sending rate of this run (not the bytes a resumed session already held).</summary>
    private sealed class RateColumn : ProgressColumn
    {
        public const int Width = 12;

        protected override bool NoWrap => true;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(task.IsFinished ? "" : Sizes.Format(task.State.Get<double>(RateKey)) + "/s").RightJustified();

        public override int? GetColumnWidth(RenderOptions options) => Width;
    }

    /// <summary>Bytes still to confirm at this run's rate.</summary>
    private sealed class TimeLeftColumn : ProgressColumn
    {
        public const int Width = 8;

        protected override bool NoWrap => true;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var rate = task.State.Get<double>(RateKey);
            var left = task.MaxValue - task.Value;
            return new Text(task.IsFinished || left <= 0 ? "done"
                : rate < 1 ? "--:--:--"
                : TimeSpan.FromSeconds(Math.Min(left / rate, 359_999)).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture)).RightJustified();
        }

        public override int? GetColumnWidth(RenderOptions options) => Width;
    }

    /// <summary>Plain lines (<c>progress 25% 16.0 MiB of 64.0 MiB, 12.3 MiB/s, uploading: app/big.bin</c>) or JSON events.</summary>
    private sealed class Lines(TextWriter error, bool json) : IProgress<PackageProgress>
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
                var phaseChanged = !_last.TryGetValue(file.StorePath, out var last) || last.Phase != file.Phase;
                if (!phaseChanged && Stopwatch.GetElapsedTime(last.Ticks, now) < TimeSpan.FromSeconds(1))
                {
                    return;
                }

                _last[file.StorePath] = (now, file.Phase);
                var phase = file.Phase.ToString().ToLowerInvariant();
                if (json)
                {
                    error.WriteLine(JsonSerializer.Serialize(
                        new ProgressEvent(phaseChanged ? "phase" : "progress", file.StorePath, phase, file.TotalBytes, file.BytesSent, file.BytesConfirmed,
                            Math.Round(file.BytesPerSecond), value.CompletedFiles, value.TotalFiles),
                        CliJson.Output.ProgressEvent));
                }
                else
                {
                    var percent = file.TotalBytes == 0 ? 100 : file.BytesConfirmed * 100 / file.TotalBytes;
                    error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"progress {percent,3}% {Sizes.Format(file.BytesConfirmed)} of {Sizes.Format(file.TotalBytes)}, {Sizes.Format(file.BytesPerSecond)}/s, {phase}: {file.StorePath}"));
                }

                error.Flush();
            }
        }
    }
}
