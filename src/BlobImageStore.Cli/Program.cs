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

return await parse.InvokeAsync();
