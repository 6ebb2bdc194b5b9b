using BlobImageStore.Content;
using BlobImageStore.Sessions;

namespace BlobImageStore.ModelTests;

/// <summary>The invariants of issue #10, numbered as there.</summary>
public enum Invariant
{
    AcknowledgedIsFinal = 1,
    RefusedChangesNothing = 2,
    ResendsAreVerified = 3,
    OneWriteAuthority = 4,
    NoPhantomFiles = 5,
    EndedMeansEnded = 6,
    EveryRaceEndsWell = 7,
    OnlyTheOwnerActs = 8,

    /// <summary>Invariant 6, second half ("6b"): a session does not expire while a chunk of it is being received.</summary>
    NoExpiryWhileReceiving = 62,

    /// <summary>A session lives at least its expiry after its last acknowledged chunk (the other bound of 6b's rule).</summary>
    LivesExpiryAfterLastChunk = 63,
}

public sealed record Violation(Invariant Invariant, string What)
{
    public override string ToString() => $"{Invariant}: {What}";
}

/// <summary>
/// Runs one <see cref="Schedule"/> on a fresh <see cref="World"/> and checks, after every storage call and at the end,
/// what the clients were told against what storage holds. A simple model: the acknowledged chunks (session, range,
/// bytes, step), the step each session ended at, and the results of all requests.
/// </summary>
public static class Model
{
    private const int MaxSteps = 5_000;

    public static Action<string>? Trace { get; set; }

    public static List<Violation> Run(Schedule schedule)
    {
        var world = new World(schedule.Timing, schedule.BlockSize);
        var violations = new List<Violation>();
        var results = new Result?[schedule.Ops.Length];
        var tasks = new Task<Outcome>?[schedule.Ops.Length];
        var started = new int[schedule.Ops.Length];
        var acked = new List<(int Session, ByteRange Range, byte[] Bytes, int Step)>();
        var commits = new List<(int Session, byte[] File)>();
        var endedAt = new Dictionary<Guid, int>();
        var crashed = new HashSet<int>();
        var jumps = new List<int>();
        var step = 0;

        // 6b: the chunks being received, from the moment a chunk goes on from opening its session to the block list (its
        // first block call: whatever it read or wrote of the record before, it now receives on the strength of it) until
        // its answer; each for its request's timeout from then. Not from a record write: chunks do not write the record each.
        var leases = new Dictionary<int, (Guid Session, ulong Key, DateTimeOffset Until, int Step)>();

        // The time of each session's last acknowledged chunk: it may not expire sooner than its expiry after it.
        var lastAck = new Dictionary<Guid, DateTimeOffset>();

        // Refused first chunks rolling their session back (they fence the record, then read the block list): not received.
        // Recognised by their fence write, which changes nothing else (the record may be fenced already, by a commit).
        var rollingBack = new HashSet<int>();

        // The step at which each request last asked to read a session record: an answer "expired" was decided by that read,
        // so it contradicts only the chunks that were being received before it.
        var readAsked = new Dictionary<int, int>();

        // When each request's latest storage call was made (the clock at its resume, after any jump at that step): a chunk's
        // deadline counts from its open's last storage call, so one that stalled past it before its first block call is
        // cancelled at that call and never receives (its lease would be a lease the server never granted).
        var resumedAt = new Dictionary<int, DateTimeOffset>();

        world.Store.OnCall = (request, kind) =>
        {
            var index = request - 1;
            Trace?.Invoke($"step {step} {world.Clock.GetUtcNow():HH:mm:ss} request {request} asks {kind}");
            if (index >= 0 && kind == "record-read")
            {
                readAsked[index] = step;
            }
            if (index >= 0 && kind is "blocks-read" or "stage" && schedule.Ops[index] is Chunk receiver && !leases.ContainsKey(index) && !rollingBack.Contains(index))
            {
                // The incarnation it receives on: a refused first chunk's roll-back may delete the record under it (it then
                // gets 404), and a later first chunk may create the id again with another key: another session.
                var key = world.Store.Records.FirstOrDefault(r => r.SessionId == world.Sessions[receiver.Session])?.Key ?? 0;
                var until = resumedAt.TryGetValue(index, out var opened) ? opened + world.ReceiveTime : world.Clock.GetUtcNow() + world.ReceiveTime;
                if (world.Clock.GetUtcNow() < until)
                {
                    leases[index] = (world.Sessions[receiver.Session], key, until, step);
                }
            }
        };

        world.Store.OnRecordChange = (before, after) =>
        {
            Trace?.Invoke($"   record {before?.State} -> {after?.State} (until {after?.ReceivingUntil:HH:mm:ss}, modified {after?.Modified:HH:mm:ss}, fenced {after?.Fenced})");
            // A chunk's write that only sets the fence is a roll-back's (an open's write always moves the state or the
            // horizon); the record may already carry a commit's fence, which an open's write keeps: then nothing changes.
            if (Scheduler.Current > 0 && schedule.Ops[Scheduler.Current - 1] is Chunk && after is { Fenced: true } && before is not null && OnlyFenced(before, after))
            {
                rollingBack.Add(Scheduler.Current - 1);
            }
            if (after is null && before is not null && !SessionMachine.IsTombstone(before.State)
                && acked.Any(a => world.Sessions[a.Session] == before.SessionId && a.Step >= 0))
            {
                // A session whose chunks were acknowledged may end (a tombstone says so), never vanish: its owner's next
                // chunk would silently start a new session without them.
                violations.Add(new(Invariant.AcknowledgedIsFinal, $"step {step}: the {before.State} record of session {Name(world, before.SessionId)} was deleted after chunks of it were acknowledged"));
            }

            if (after is { State: SessionState.Expired } && before is not { State: SessionState.Expired })
            {
                CheckReceiving(after.SessionId, after.Key, "was tombstoned as expired");
                CheckLived(after.SessionId, "was tombstoned as expired");
            }

            if (before is not null && SessionMachine.IsTombstone(before.State) && (after is null || !SessionMachine.IsTombstone(after.State)))
            {
                violations.Add(new(Invariant.EndedMeansEnded, $"step {step}: session {Name(world, before.SessionId)} went from {before.State} to {after?.State.ToString() ?? "nothing"}"));
            }

            if (after is not null && SessionMachine.IsTombstone(after.State) && !endedAt.ContainsKey(after.SessionId))
            {
                endedAt[after.SessionId] = step;
            }
        };
        world.Store.OnFileWrite = (path, kind) => CheckWrite(world, path, kind, step, violations);

        for (var i = 0; i < schedule.Ops.Length; i++)
        {
            var op = schedule.Ops[i];
            tasks[i] = world.Scheduler.Start(i + 1, () => Execute(world, op));
            Complete(i);
        }

        for (; step < MaxSteps; step++)
        {
            var waiting = world.Scheduler.Waiting.OrderBy(w => w).ToList();
            if (waiting.Count == 0)
            {
                break;
            }

            var id = waiting[schedule.Choices[step % schedule.Choices.Length] % waiting.Count];
            if (schedule.Crashes.Contains(step))
            {
                world.Scheduler.Crash(id);
                crashed.Add(id - 1);
                results[id - 1] = new Result(schedule.Ops[id - 1], null, null, true, started[id - 1], step);
                continue;
            }

            if (schedule.Jumps.Contains(step) && !jumps.Contains(step))
            {
                world.Clock.Advance(schedule.Timing.Jump);
                jumps.Add(step);
            }

            resumedAt[id - 1] = world.Clock.GetUtcNow();
            world.Scheduler.Resume(id);
            Complete(id - 1);
            if (!tasks[id - 1]!.IsCompleted && !world.Scheduler.Waiting.Contains(id))
            {
                violations.Add(new(Invariant.EveryRaceEndsWell, $"request #{id} left the scheduler (a thread hop): the model cannot interleave it"));
                return violations;
            }
        }

        if (step >= MaxSteps)
        {
            violations.Add(new(Invariant.EveryRaceEndsWell, $"no end after {MaxSteps} storage calls (livelock)"));
            return violations;
        }

        Final(world, schedule, results, acked, commits, violations);
        return violations;

        void Complete(int i)
        {
            if (results[i] is not null || tasks[i] is not { IsCompleted: true } task)
            {
                return;
            }

            var op = schedule.Ops[i];
            var result = task.IsCompletedSuccessfully
                ? new Result(op, task.Result, null, false, started[i], step)
                : new Result(op, null, task.Exception?.GetBaseException() ?? new OperationCanceledException(), false, started[i], step); // a cancelled task has no Exception
            if (result.Outcome is SessionEnded { Record.State: SessionState.Open or SessionState.Pending or SessionState.Expired } expired)
            {
                // Checked before the answer is recorded: a chunk answered "expired" while it was itself received counts too.
                CheckReceiving(expired.Record.SessionId, expired.Record.Key, $"was answered expired to {op}", readAsked.GetValueOrDefault(i, step));
                CheckLived(expired.Record.SessionId, $"was answered expired to {op}");
            }

            results[i] = result;
            if (op is Chunk acker && result.Outcome is { Succeeded: true })
            {
                lastAck[world.Sessions[acker.Session]] = world.Clock.GetUtcNow();
            }

            OnCompleted(world, result, acked, commits, endedAt, jumps, violations);
        }

        void CheckLived(Guid session, string what)
        {
            var now = world.Clock.GetUtcNow();
            if (lastAck.TryGetValue(session, out var acked) && now < acked + schedule.Timing.Expiry)
            {
                violations.Add(new(Invariant.LivesExpiryAfterLastChunk,
                    $"step {step}: session {Name(world, session)} {what} at {now:HH:mm:ss}, less than its expiry ({schedule.Timing.Expiry.TotalMinutes} min) after its last acknowledged chunk at {acked:HH:mm:ss}"));
            }
        }

        void CheckReceiving(Guid session, ulong key, string what, int decidedAt = int.MaxValue)
        {
            var now = world.Clock.GetUtcNow();
            foreach (var (request, lease) in leases)
            {
                if (lease.Session == session && lease.Key == key && results[request] is null && now < lease.Until && lease.Step < decidedAt)
                {
                    violations.Add(new(Invariant.NoExpiryWhileReceiving,
                        $"step {step}: session {Name(world, session)} {what} while chunk #{request + 1} ({schedule.Ops[request]}) was being received (lease taken at step {lease.Step}, until {lease.Until:HH:mm}, now {now:HH:mm})"));
                }
            }
        }
    }

    private static async Task<Outcome> Execute(World world, Op op)
    {
        var instance = world.Instances[op.Instance];
        var success = new WriteClaimed(default);
        switch (op)
        {
            case Chunk c:
                var (body, md5, _) = world.ChunkBody(c);
                var range = World.Pieces[c.Piece];
                var request = new ChunkRequest(World.Path, world.Sessions[c.Session], new ContentRange(range.First, range.Last, World.FileSize),
                    c.Body == Body.Cut ? null : body.Length, md5, World.Principal(c.Caller), world.Timing.ChunkTimeout);
                return await instance.Sessions.UploadChunkAsync(request, new MemoryStream(body), CancellationToken.None);
            case Commit c:
                return await instance.Sessions.CommitAsync(world.Sessions[c.Session], World.Principal(c.Caller), CancellationToken.None);
            case DeleteSession d:
                return await instance.Sessions.DeleteAsync(world.Sessions[d.Session], World.Principal(d.Caller), CancellationToken.None);
            case UploadFileOp:
                FileUploadResult? uploaded = null;
                return await instance.Writes.RunAsync(World.Path, WriteAction.UploadFile,
                    async (lease, ct) => uploaded = await instance.Uploads.UploadAsync(World.Path, new MemoryStream(World.UploadBytes), World.UploadBytes.Length, null, lease, ct),
                    CancellationToken.None) ?? uploaded?.Refusal ?? success;
            case CopyOp:
                return (await instance.Copies.CopyAsync(new CopyRequest(World.Source, World.Path, [], false), CancellationToken.None)).Refusal ?? success;
            case DeleteContentOp:
                return (await instance.Removal.DeleteAsync(World.Path, CancellationToken.None)).Refusal ?? success;
            default:
                var report = await instance.Cleanup.RunAsync(CancellationToken.None);
                return report.Failures == 0 ? success : new Busy(null, $"cleanup: {report.Failures} failures");
        }
    }

    private static bool Stalled(Result result, List<int> jumps) => jumps.Any(j => j >= result.Started && j <= result.Ended);

    private static void OnCompleted(World world, Result result, List<(int, ByteRange, byte[], int)> acked, List<(int, byte[])> commits,
        Dictionary<Guid, int> endedAt, List<int> jumps, List<Violation> violations)
    {
        if (result.Error is { } error)
        {
            // A request stalled past a clock jump (longer than its lease) loses its lease or deadline: its answer is a
            // timeout (504), and nothing of it counts. Anything else is a failure.
            if (!(Stalled(result, jumps) && error is OperationCanceledException))
            {
                violations.Add(new(Invariant.EveryRaceEndsWell, $"{result.Op} failed with {error.GetType().Name}: {error.Message}"));
            }

            return;
        }

        if (result.Outcome is Busy busy)
        {
            violations.Add(new(Invariant.EveryRaceEndsWell, $"{result.Op} answered 503 ({busy})"));
        }

        // A whole-file write that lost its claim, or whose blocks another writer discarded, answers "retry" (503): only a
        // write stalled past a clock jump may (its lease ended meanwhile).
        if (result.Outcome is WriteLeaseLost or UploadDiscarded && !Stalled(result, jumps))
        {
            violations.Add(new(Invariant.EveryRaceEndsWell, $"{result.Op} answered 503 ({result.Outcome}) without stalling"));
        }

        // The model's requests keep the size rules, and its copies have a source that is never deleted: these refusals
        // (once thrown, now returned) would be a failure.
        if (result.Outcome is FileTooLarge or ChunkTooLarge or BodyLengthMismatch or ChunkTooSmall or UploadTooLarge or UploadMd5Mismatch
            or CopyIntoSource or CopySourceMissing or CopySourceVanished)
        {
            violations.Add(new(Invariant.EveryRaceEndsWell, $"{result.Op} was refused: {result.Outcome}"));
        }

        if (result.Op is Chunk or Commit or DeleteSession)
        {
            // Only the principal that started a session acts on it; its owner is never refused as a stranger.
            var index = result.Op switch { Chunk c => c.Session, Commit c => c.Session, DeleteSession d => d.Session, _ => 0 };
            var owner = world.Store.Records.FirstOrDefault(r => r.SessionId == world.Sessions[index])?.Owner;
            var caller = World.Principal(result.Op.Caller);
            var acted = result.Outcome is ChunkAccepted or ResendMatched or SessionCommitted or SessionDeleted { Existed: true };
            if (owner is not null && (acted && owner != caller || result.Outcome is NotOwner && owner == caller))
            {
                violations.Add(new(Invariant.OnlyTheOwnerActs, $"{result.Op} by {caller} answered {result.Outcome} on a session owned by {owner}"));
            }
        }

        if (result.Op is Chunk chunk && result.Outcome!.Succeeded)
        {
            var range = World.Pieces[chunk.Piece];
            var sent = world.ChunkBody(chunk).Body;
            var session = world.Sessions[chunk.Session];
            foreach (var (s, r, bytes, at) in acked)
            {
                if (s == chunk.Session && r == range && !bytes.SequenceEqual(sent) && at < result.Started)
                {
                    violations.Add(new(Invariant.ResendsAreVerified, $"{chunk} answered {result.Outcome} but bytes {r} were acknowledged with other bytes at step {at}"));
                }
            }

            if (endedAt.TryGetValue(session, out var ended) && ended < result.Started)
            {
                violations.Add(new(Invariant.EndedMeansEnded, $"{chunk} answered {result.Outcome} though its session ended at step {ended}"));
            }

            acked.Add((chunk.Session, range, sent, result.Ended));
        }

        if (result.Op is Commit commit && result.Outcome is SessionCommitted { Already: false })
        {
            var file = world.Store.Content(World.Path.Value);
            if (file is not null)
            {
                commits.Add((commit.Session, file.ToArray()));
            }

            foreach (var (s, r, bytes, _) in acked.Where(a => a.Item1 == commit.Session))
            {
                if (file is null || file.Length != World.FileSize || !file.AsSpan((int)r.First, (int)r.Length).SequenceEqual(bytes))
                {
                    violations.Add(new(Invariant.AcknowledgedIsFinal, $"{commit} answered 200 but the file does not hold the acknowledged bytes {r}"));
                }
            }
        }
    }

    private static void CheckWrite(World world, string path, string kind, int step, List<Violation> violations)
    {
        var claim = world.Store.ClaimOf(path);
        var holder = claim is { Kind: ClaimKind.Session } c ? world.Store.Records.FirstOrDefault(r => r.SessionId == c.Holder) : null;
        var allowed = kind == "session-commit"
            ? holder is { State: SessionState.Committing }
            : claim is { Kind: ClaimKind.Write };
        if (!allowed)
        {
            violations.Add(new(Invariant.OneWriteAuthority, $"step {step}: a {kind} of {path} while its claim is {claim?.ToString() ?? "absent"} (holder {holder?.State.ToString() ?? "-"})"));
        }

        if (world.Store.Content(path) is { } content
            && !(content.Length == World.FileSize || content.SequenceEqual(World.UploadBytes) || content.SequenceEqual(World.SourceBytes)))
        {
            violations.Add(new(Invariant.NoPhantomFiles, $"step {step}: {path} became a {content.Length}-byte file that no commit, upload or copy meant"));
        }
    }

    private static void Final(World world, Schedule schedule, Result?[] results, List<(int Session, ByteRange Range, byte[] Bytes, int Step)> acked,
        List<(int Session, byte[] File)> commits, List<Violation> violations)
    {
        // 2 for commits: each piece of a committed file holds bytes that some request sent and was not refused for (answered
        // 200, or never answered). A chunk refused because the commit had begun ("being committed", "committed") may be in
        // it: it raced its own session's commit, and the commit's 200 is the answer about the file.
        foreach (var (s, file) in commits)
        {
            foreach (var piece in World.Pieces)
            {
                var held = file.AsSpan((int)piece.First, (int)piece.Length).ToArray();
                var senders = results.Where(r => r is { Op: Chunk c } && c.Session == s && World.Pieces[c.Piece] == piece
                    && world.ChunkBody(c).Body.AsSpan().SequenceEqual(held)).ToList();
                if (senders.Count > 0 && senders.All(r => r!.Outcome is { Succeeded: false } and not (CommitInProgress or SessionEnded { Record.State: SessionState.Committed })))
                {
                    violations.Add(new(Invariant.RefusedChangesNothing, $"session {s}: the committed file holds bytes {piece} that every request sending them was refused for ({string.Join(", ", senders.Select(r => r!.Outcome))})"));
                }
            }
        }

        var now = world.Clock.GetUtcNow();
        var machine = world.Instances[0].Machine;
        foreach (var name in world.Store.Files)
        {
            if (name != World.Path.Value && name != World.Source.Value)
            {
                violations.Add(new(Invariant.NoPhantomFiles, $"a file appeared at {name}"));
            }
        }

        for (var s = 0; s < world.Sessions.Length; s++)
        {
            var record = world.Store.Records.FirstOrDefault(r => r.SessionId == world.Sessions[s]);
            if (record is null || !machine.IsLive(record, now))
            {
                continue;
            }

            var blocks = world.Store.BlocksDirect(World.Path.Value);
            var view = ChunkView.From(blocks, record.Key, record.FileSize, abandoned: record.Abandoned);
            foreach (var (_, range, bytes, step) in acked.Where(a => a.Session == s))
            {
                var chunk = view.Counted.FirstOrDefault(c => c.Range == range);
                var held = chunk?.BlockIds.SelectMany(id => world.Store.BlockBytes(World.Path.Value, id) ?? []).ToArray();
                if (held is null || !held.SequenceEqual(bytes))
                {
                    // No exception, not even for crashes: an attempt cut off between its final block and its decision never
                    // confirmed, so it counts for nothing and holds its range only until its confirm-by time.
                    violations.Add(new(Invariant.AcknowledgedIsFinal, $"session {s}: bytes {range} acknowledged at step {step} are {(held is null ? "not counted any more" : "other bytes now")}"));
                }
            }

            foreach (var counted in view.Counted)
            {
                var senders = results.Where(r => r is { Op: Chunk c } && c.Session == s && World.Pieces[c.Piece] == counted.Range
                    && ChunkDigest.Of(world.ChunkBody(c).Body, schedule.BlockSize) == counted.Digest).ToList();
                if (senders.Count > 0 && senders.All(r => r!.Outcome is { Succeeded: false }))
                {
                    violations.Add(new(Invariant.RefusedChangesNothing, $"session {s}: bytes {counted.Range} count, but every request that sent them was refused ({string.Join(", ", senders.Select(r => r!.Outcome))})"));
                }
            }
        }

        // Every session can still be ended: a delete on any instance answers 200.
        for (var s = 0; s < world.Sessions.Length; s++)
        {
            var deleted = world.Instances[2].Sessions.DeleteAsync(world.Sessions[s], null, CancellationToken.None);
            if (!deleted.IsCompletedSuccessfully || deleted.Result is not SessionDeleted)
            {
                violations.Add(new(Invariant.EveryRaceEndsWell, $"session {s} cannot be deleted at the end: {(deleted.IsCompletedSuccessfully ? deleted.Result : deleted.Exception?.GetBaseException().Message)}"));
            }
        }
    }

    /// <summary>True when <paramref name="after"/> is <paramref name="before"/> with the fence set and nothing else changed
    /// (the record's lists compared by their items: a record read back is a new instance).</summary>
    private static bool OnlyFenced(UploadSessionRecord before, UploadSessionRecord after) =>
        (before.Abandoned ?? []).SequenceEqual(after.Abandoned ?? []) && (before.LateConfirmed ?? []).SequenceEqual(after.LateConfirmed ?? [])
        && before with { Fenced = true, Abandoned = after.Abandoned, LateConfirmed = after.LateConfirmed } == after;

    private static string Name(World world, Guid id) => Array.IndexOf(world.Sessions, id).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
