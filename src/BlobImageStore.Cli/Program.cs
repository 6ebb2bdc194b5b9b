using System.Runtime.InteropServices;
using BlobImageStore.Cli;

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

return await Commands.RunAsync(args, CliConsole.FromProcess(), cancel.Token);
