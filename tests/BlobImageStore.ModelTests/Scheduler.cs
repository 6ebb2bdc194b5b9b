namespace BlobImageStore.ModelTests;

/// <summary>
/// Runs concurrent requests one storage call at a time, in an order the test chooses. Every storage call of the
/// in-memory store waits here; <see cref="Resume"/> lets exactly one waiting request make its call and run on (on the
/// test's thread, synchronously) until its next storage call or its end. A request never resumed has crashed between
/// two storage calls: nothing after that point happens, exactly like a killed process.
/// </summary>
public sealed class Scheduler
{
    private static readonly AsyncLocal<int> CurrentRequest = new();
    private readonly Dictionary<int, TaskCompletionSource> _waiting = [];

    public IReadOnlyCollection<int> Waiting => _waiting.Keys;

    /// <summary>The request whose code is running now (0 outside any request): a storage call's caller.</summary>
    public static int Current => CurrentRequest.Value;

    public Task StepAsync()
    {
        var id = CurrentRequest.Value;
        if (id == 0)
        {
            return Task.CompletedTask; // set-up and checks run outside any request
        }

        if (_waiting.ContainsKey(id))
        {
            throw new InvalidOperationException($"request {id} made two storage calls at once");
        }

        var turn = new TaskCompletionSource();
        _waiting[id] = turn;
        return turn.Task;
    }

    /// <summary>Starts a request: it runs until its first storage call.</summary>
    public Task<T> Start<T>(int id, Func<Task<T>> request)
    {
        CurrentRequest.Value = id;
        try
        {
            return request();
        }
        finally
        {
            CurrentRequest.Value = 0;
        }
    }

    /// <summary>Lets request <paramref name="id"/> make its storage call and run to its next one.</summary>
    public void Resume(int id)
    {
        var turn = _waiting[id];
        _waiting.Remove(id);
        turn.SetResult();
    }

    /// <summary>Request <paramref name="id"/> dies here: it never runs again.</summary>
    public void Crash(int id) => _waiting.Remove(id);
}
