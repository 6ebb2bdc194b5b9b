using System.Runtime.InteropServices;
using BlobImageStore.Cli;

var root = Commands.Build();
var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine($"error: {error.Message}");
    }

    Console.Error.WriteLine("hint: run 'imagestore --help' or 'imagestore <command> --help' for the usage.");
    return ExitCodes.Usage;
}

// Ctrl+C or SIGTERM: cancel the command (an upload stops and stays resumable, exit 130); a second Ctrl+C ends the process.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = !cancel.IsCancellationRequested;
    cancel.Cancel();
};
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancel.Cancel();
});

return await parse.InvokeAsync(cancellationToken: cancel.Token);
