using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using BlobImageStore.IntegrationTests.Infrastructure;
using BlobImageStore.Server.Hosting;

namespace BlobImageStore.Bench;

/// <summary>
/// Invariant 8 of issue #10: a single-file Delete, a folder Copy and Info cost within 2× of an empty store when
/// <c>--sessions</c> open upload sessions exist elsewhere in the store. Prints the median time of each operation on an
/// empty store, with the sessions, and the ratio.
/// </summary>
public sealed class SessionsBenchmark(int sessions, int repetitions)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("blobimagestore-bench-sessions-");
        try
        {
            await using var azurite = await AzuriteProcess.StartAsync(new AzuriteOptions
            {
                ToolsRoot = RepoPaths.Root,
                Port = AzuriteProcess.FreePort(),
                Location = Path.Combine(work.FullName, "azurite"),
                InMemory = true,
            }, reuseRunning: false, cancellationToken);
            await using var server = await ServerProcess.StartAsync(azurite.ConnectionString);
            using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(10) };
            await PutAsync(http, "src/_.dir", []);
            for (var i = 0; i < 10; i++)
            {
                await PutAsync(http, $"src/f{i}.bin", new byte[1000]);
            }

            Console.WriteLine($"Delete / Copy / Info with {sessions:N0} open upload sessions elsewhere; median of {repetitions}; Azurite in memory");
            var empty = await MeasureAsync(http, "empty", cancellationToken);

            var started = Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, sessions), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
            {
                // A shared, loaded machine: retry a chunk the server could not finish in time (a new id each time).
                for (var attempt = 0; ; attempt++)
                {
                    using var content = new ByteArrayContent(new byte[10]);
                    content.Headers.TryAddWithoutValidation("Content-Range", "bytes 0-9/20");
                    using var response = await http.PutAsync($"/ImageStore/elsewhere/{i}/f.bin/$/UploadChunk?api-version=6.0&timeout=600&session-id={Guid.NewGuid()}", content, ct);
                    if (response.IsSuccessStatusCode)
                    {
                        break;
                    }

                    if (attempt == 3 || (int)response.StatusCode < 500)
                    {
                        response.EnsureSuccessStatusCode();
                    }
                }
            });
            Console.WriteLine($"  {sessions:N0} sessions opened in {started.Elapsed.TotalSeconds:0.0} s");
            var crowded = await MeasureAsync(http, "crowded", cancellationToken);

            Console.WriteLine();
            Console.WriteLine("| operation | empty store (ms) | with open sessions (ms) | ratio |");
            Console.WriteLine("|---|---:|---:|---:|");
            foreach (var (name, ms) in empty)
            {
                Console.WriteLine($"| {name} | {ms:0.0} | {crowded[name]:0.0} | {crowded[name] / ms:0.00} |");
            }

            return 0;
        }
        finally
        {
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private async Task<Dictionary<string, double>> MeasureAsync(HttpClient http, string label, CancellationToken cancellationToken)
    {
        var times = new Dictionary<string, List<double>> { ["Delete (one file)"] = [], ["Copy (folder of 11 files)"] = [], ["Info"] = [] };
        for (var r = 0; r < repetitions; r++)
        {
            await PutAsync(http, $"del/{label}-{r}.bin", new byte[1000]);
            times["Delete (one file)"].Add(await TimeAsync(() => http.DeleteAsync($"/ImageStore/del/{label}-{r}.bin?api-version=6.0", cancellationToken)));
            var body = Encoding.UTF8.GetBytes($"{{\"RemoteSource\":\"src\",\"RemoteDestination\":\"dst/{label}-{r}\"}}");
            times["Copy (folder of 11 files)"].Add(await TimeAsync(() =>
            {
                var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                return http.PostAsync("/ImageStore/$/Copy?api-version=6.0", content, cancellationToken);
            }));
            times["Info"].Add(await TimeAsync(() => http.GetAsync("/ImageStore/$/Info?api-version=6.5", cancellationToken)));
        }

        return times.ToDictionary(t => t.Key, t => t.Value.Order().ElementAt(t.Value.Count / 2));
    }

    private static async Task<double> TimeAsync(Func<Task<HttpResponseMessage>> send)
    {
        var started = Stopwatch.StartNew();
        using var response = await send();
        var elapsed = started.Elapsed.TotalMilliseconds;
        response.EnsureSuccessStatusCode();
        return elapsed;
    }

    private static async Task PutAsync(HttpClient http, string path, byte[] content)
    {
        using var response = await http.PutAsync($"/ImageStore/{path}?api-version=6.0", new ByteArrayContent(content));
        response.EnsureSuccessStatusCode();
    }
}
