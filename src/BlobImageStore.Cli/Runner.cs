using System.CommandLine;
using System.Net;
using System.Text.Json.Serialization.Metadata;
using BlobImageStore.Client;
using Microsoft.Extensions.DependencyInjection;

namespace BlobImageStore.Cli;

/// <summary>A failure the CLI itself detects, with its exit code, a code for <c>-o json</c> and a hint.</summary>
public sealed class CliException(int exitCode, string code, string message, string? hint) : Exception(message)
{
    /// <summary>The process exit code.</summary>
    public int ExitCode { get; } = exitCode;

    /// <summary>The <c>error.code</c> of the JSON error document.</summary>
    public string Code { get; } = code;

    /// <summary>What to do about it.</summary>
    public string? Hint { get; } = hint;
}

/// <summary>The result writer a command gets: text or JSON on stdout.</summary>
public sealed class CommandOutput(CliConsole console, OutputFormat format, bool quiet)
{
    /// <summary>No progress, no log lines.</summary>
    public bool Quiet { get; } = quiet;

    /// <summary>Text or JSON.</summary>
    public OutputFormat Format { get; } = format;

    /// <summary>Writes the result: <paramref name="text"/>'s lines, or <paramref name="result"/> as one JSON document.</summary>
    public void Write<T>(T result, JsonTypeInfo<T> type, Func<T, IEnumerable<string>> text) => Results.Write(console, Format, result, type, text);
}

/// <summary>
/// Runs a command: builds the services, and turns an exception into <c>error: CODE (HTTP n): message</c> plus a
/// <c>hint:</c> line on stderr (and, with <c>-o json</c>, an <c>{"error":…}</c> document on stdout) and an exit code.
/// </summary>
public sealed class Runner(GlobalOptions global, CliConsole console)
{
    /// <summary>Where the command writes.</summary>
    public CliConsole Console { get; } = console;

    /// <summary>Runs <paramref name="action"/> for the command <paramref name="command"/>.</summary>
    /// <param name="connect">False for a command that sends nothing (cluster show): no connection is resolved or built.</param>
    public async Task<int> RunAsync(ParseResult parse, string command, Func<IServiceProvider, CommandOutput, Task<int>> action, CancellationToken cancellationToken, bool connect = true)
    {
        var format = parse.GetValue(global.Output);
        var output = new CommandOutput(Console, format, parse.GetValue(global.Quiet));
        var endpoint = parse.GetValue(global.Endpoint)!;
        ServiceProvider? services = null;
        try
        {
            if (!connect)
            {
                return await action(new ServiceCollection().BuildServiceProvider(), output);
            }

            var (connection, _) = global.ResolveConnection(parse, useProfile: command != "cluster select");
            endpoint = connection.Endpoint;
            services = global.BuildServices(parse, connection, Console);
            return await action(services, output);
        }
        catch (Exception e)
        {
            var hint = e is CliException cli ? cli.Hint : ExitCodes.Hint(e, endpoint, command);
            if (e is ImageStoreException { StatusCode: HttpStatusCode.NotFound, HasFabricError: false } && services is not null)
            {
                using var probe = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                hint = await Commands.EndpointServesImageStoreAsync(services.GetRequiredService<IImageStoreReader>(), probe.Token)
                    ? "nothing is at that path in the store: check it with 'imagestore ls' (paths are relative to the store root and case-sensitive)."
                    : ExitCodes.WrongEndpointHint(endpoint);
            }

            var code = ExitCodes.For(e);
            Console.Out.Flush();
            Console.Error.WriteLine(e switch
            {
                ImageStoreException f => $"error: {f.Code} (HTTP {(int)f.StatusCode}): {f.Message}",
                OperationCanceledException => "error: cancelled",
                HttpRequestException { InnerException: System.Security.Authentication.AuthenticationException tls } =>
                    $"error: the TLS connection to {endpoint.Authority} failed: {tls.Message}",
                _ => $"error: {e.Message}",
            });
            if (hint is not null)
            {
                Console.Error.WriteLine($"hint: {hint}");
            }

            if (code == ExitCodes.Failure)
            {
                Console.Error.WriteLine(e.ToString());
            }

            Console.Error.Flush();
            if (format == OutputFormat.Json)
            {
                var detail = e switch
                {
                    ImageStoreException f => new ErrorDetail(f.Code, (int)f.StatusCode, f.Message, hint, code),
                    CliException c => new ErrorDetail(c.Code, null, c.Message, hint, code),
                    OperationCanceledException => new ErrorDetail("cancelled", null, "cancelled", hint, code),
                    _ => new ErrorDetail(e.GetType().Name, null, e.Message, hint, code),
                };
                Results.Write(Console, OutputFormat.Json, new ErrorOutput(detail), CliJson.Output.ErrorOutput, _ => []);
            }

            return code;
        }
        finally
        {
            if (services is not null)
            {
                await services.DisposeAsync();
            }
        }
    }
}
