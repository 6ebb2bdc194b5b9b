using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace BlobImageStore.Cli;

/// <summary>The form of a command's result on stdout (<c>--output</c>, <c>-o</c>).</summary>
public enum OutputFormat
{
    /// <summary>Lines for people (the default).</summary>
    Text,

    /// <summary>One JSON document per command (README: "JSON output"): the result, or <c>{"error":…}</c>.</summary>
    Json,
}

/// <summary>How upload progress is shown on stderr (<c>--progress</c>).</summary>
public enum ProgressMode
{
    /// <summary>Bars on a terminal, plain lines otherwise; none with <c>--quiet</c>.</summary>
    Auto,

    /// <summary>Spectre.Console bars.</summary>
    Bars,

    /// <summary>A line at most once a second per file and at each phase change.</summary>
    Plain,

    /// <summary>Line-delimited JSON events (<see cref="ProgressEvent"/>).</summary>
    Json,

    /// <summary>Nothing.</summary>
    None,
}

// The documented JSON shapes (README "JSON output"). Property names are camelCase; every property is always present
// (null when unknown), so a script can rely on the shape. Add properties at the end; never rename or remove one.

public sealed record UploadFileOutput(
    string Kind, string Source, string StorePath, long FileSize, Guid SessionId, bool Resumed,
    long BytesAlreadyOnServer, long BytesSent, long ChunkSize, int Retries, double ElapsedSeconds);

public sealed record UploadFolderOutput(
    string Kind, string Source, string StorePath, int Files, long Bytes, int SessionFiles, int ResumedFiles,
    int SkippedFiles, long SkippedBytes, int MarkFiles, long BytesSent, double ElapsedSeconds);

public sealed record ListOutput(string Path, IReadOnlyList<ListFileOutput> Files, IReadOnlyList<ListFolderOutput> Folders);

public sealed record ListFileOutput(string Path, long Size, DateTimeOffset? Modified, string? Version);

public sealed record ListFolderOutput(string Path, long FileCount);

public sealed record FolderSizeOutput(string Path, long Bytes);

public sealed record StatusOutput(IReadOnlyList<SessionOutput> Sessions);

public sealed record SessionOutput(
    Guid SessionId, string Path, long FileSize, long ReceivedBytes, long ExpectedBytes, IReadOnlyList<RangeOutput> ExpectedRanges,
    DateTimeOffset? Modified, string? LocalPath);

public sealed record RangeOutput(long First, long Last);

public sealed record RemoveOutput(string Deleted, string Kind, long Files, long Bytes);

public sealed record CopyOutput(string Source, string Destination);

public sealed record InfoOutput(long? Capacity, long? Available, IReadOnlyDictionary<string, UsageOutput?> Usage);

public sealed record UsageOutput(long? UsedSpace, long? FileCount);

public sealed record SessionRemoveOutput(Guid Deleted, int JournalEntriesRemoved);

public sealed record ErrorOutput(ErrorDetail Error);

public sealed record ErrorDetail(string Code, int? Status, string Message, string? Hint, int ExitCode);

/// <summary>One line of <c>--progress json</c>: <c>event</c> is <c>progress</c> (a file's bytes, at most once a
/// second per file), <c>phase</c> (a file entered a phase: uploading, committing, completed, skipped).</summary>
public sealed record ProgressEvent(
    string Event, string Path, string Phase, long TotalBytes, long BytesSent, long BytesConfirmed, double BytesPerSecond,
    int CompletedFiles, int TotalFiles);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(UploadFileOutput))]
[JsonSerializable(typeof(UploadFolderOutput))]
[JsonSerializable(typeof(ListOutput))]
[JsonSerializable(typeof(FolderSizeOutput))]
[JsonSerializable(typeof(StatusOutput))]
[JsonSerializable(typeof(RemoveOutput))]
[JsonSerializable(typeof(CopyOutput))]
[JsonSerializable(typeof(InfoOutput))]
[JsonSerializable(typeof(SessionRemoveOutput))]
[JsonSerializable(typeof(ErrorOutput))]
[JsonSerializable(typeof(ProgressEvent))]
[JsonSerializable(typeof(ClusterOutput))]
public sealed partial class CliJson : JsonSerializerContext
{
    /// <summary>The context the CLI writes with: camelCase, and characters such as <c>'</c> and <c>&lt;</c> written as
    /// they are (the output is not embedded in HTML).</summary>
    public static CliJson Output { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}

/// <summary>Writes a command's result in the chosen form.</summary>
public static class Results
{
    /// <summary>The text lines, or the JSON document, on stdout.</summary>
    public static void Write<T>(CliConsole console, OutputFormat format, T result, JsonTypeInfo<T> type, Func<T, IEnumerable<string>> text)
    {
        if (format == OutputFormat.Json)
        {
            console.Out.WriteLine(JsonSerializer.Serialize(result, type));
        }
        else
        {
            foreach (var line in text(result))
            {
                console.Out.WriteLine(line);
            }
        }

        console.Out.Flush();
    }
}
