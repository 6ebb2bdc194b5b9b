using Spectre.Console;

namespace BlobImageStore.Cli;

/// <summary>
/// Where a command writes: results on <see cref="Out"/> (stdout), everything for people (progress, hints, errors,
/// prompts) on <see cref="Error"/> (stderr), so <c>imagestore … -o json | jq</c> and <c>&gt; file</c> get the result
/// alone. Tests give their own writers and a Spectre.Console test console.
/// </summary>
public sealed class CliConsole
{
    /// <summary>stdout: the result of the command (text lines, or one JSON document with <c>-o json</c>).</summary>
    public required TextWriter Out { get; init; }

    /// <summary>stderr: progress lines, hints, errors.</summary>
    public required TextWriter Error { get; init; }

    /// <summary>Spectre.Console on stderr: progress bars and confirmation prompts.</summary>
    public required IAnsiConsole ErrorConsole { get; init; }

    /// <summary>A person is at the terminal: stdin and stderr are a terminal, so a question can be asked and answered.
    /// (Progress bars need only stderr to be a terminal: <see cref="ErrorConsole"/>'s capabilities say so.)</summary>
    public required bool Interactive { get; init; }

    /// <summary>The process's own console.</summary>
    public static CliConsole FromProcess()
    {
        var interactive = !Console.IsErrorRedirected && !Console.IsInputRedirected;
        var error = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Error),
            Interactive = Console.IsErrorRedirected ? InteractionSupport.No : InteractionSupport.Detect,
            Ansi = Console.IsErrorRedirected ? AnsiSupport.No : AnsiSupport.Detect,
        });
        return new CliConsole { Out = Console.Out, Error = Console.Error, ErrorConsole = error, Interactive = interactive };
    }
}
