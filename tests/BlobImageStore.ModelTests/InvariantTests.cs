using CsCheck;

namespace BlobImageStore.ModelTests;

/// <summary>
/// One named property per invariant of issue #10. Each runs random schedules (<see cref="Schedule"/>: 1-6 requests on
/// 1-3 instances, started at once and interleaved storage call by storage call, with up to two crashes and one clock
/// jump past the session expiry) through <see cref="Model"/>, which checks every invariant after every storage call; a
/// property fails on a violation of its own invariant, and CsCheck shrinks the schedule to a minimal one and prints it.
/// Together they run <see cref="Total"/> schedules. More: <c>MODEL_SCHEDULES=100000 dotnet test tests/BlobImageStore.ModelTests</c>.
/// </summary>
public class InvariantTests
{
    public const int PerInvariant = 1_500;
    public const int Total = PerInvariant * 9;

    private static readonly int Iterations =
        int.TryParse(Environment.GetEnvironmentVariable("MODEL_SCHEDULES"), out var n) ? Math.Max(1, n / 9) : PerInvariant;

    private static readonly Gen<int> OneCaller = Gen.Const(0);

    private static Gen<Op> ChunkOps(Gen<Body> bodies, Gen<int>? callers = null) =>
        Gen.Select(Gen.Int[0, 1], Gen.Int[0, World.Pieces.Length - 1], bodies, Gen.Int[0, 2], callers ?? OneCaller)
            .Select(t => (Op)new Chunk(t.Item1, t.Item2, t.Item3) { Instance = t.Item4, Caller = t.Item5 });

    private static readonly Gen<Body> AnyBody = Gen.Enum<Body>();

    private static Gen<Op> Others(params Gen<Op>[] extra) => Others(OneCaller, extra);

    private static Gen<Op> Others(Gen<int> callers, params Gen<Op>[] extra) => Gen.OneOf([
        Gen.Select(Gen.Int[0, 1], Gen.Int[0, 2], callers).Select(t => (Op)new Commit(t.Item1) { Instance = t.Item2, Caller = t.Item3 }),
        Gen.Select(Gen.Int[0, 1], Gen.Int[0, 2], callers).Select(t => (Op)new DeleteSession(t.Item1) { Instance = t.Item2, Caller = t.Item3 }),
        .. extra]);

    private static readonly Gen<Op> Writers = Gen.OneOf(
        Gen.Int[0, 2].Select(i => (Op)new UploadFileOp { Instance = i }),
        Gen.Int[0, 2].Select(i => (Op)new CopyOp { Instance = i }),
        Gen.Int[0, 2].Select(i => (Op)new DeleteContentOp { Instance = i }),
        Gen.Int[0, 2].Select(i => (Op)new CleanupOp { Instance = i }));

    private static Gen<TimeSpan> Minutes(params int[] choices) => Gen.Int[0, choices.Length - 1].Select(i => TimeSpan.FromMinutes(choices[i]));

    /// <summary>
    /// The times of a schedule: expiry shorter and longer than the chunks' timeout and the longest receive, jumps from 15
    /// seconds to two hours in steps of 15 seconds, and instance clocks up to 15 seconds either side of the shared clock
    /// (so at most the tolerated 30 seconds apart).
    /// </summary>
    public static readonly Gen<Timing> Timings = Gen.Select(
            Minutes(2, 5, 30), Minutes(1, 4, 10, 40), Minutes(3, 30), Gen.Int[1, 480], Gen.Int[-1, 1].Array[3])
        .Select(t => new Timing(t.Item1, t.Item2, t.Item3, TimeSpan.FromSeconds(15 * t.Item4), [.. t.Item5.Select(o => TimeSpan.FromSeconds(15 * o))]));

    private static Gen<Schedule> Schedules(Gen<Op> ops, bool crashes = true, bool jumps = true) =>
        Gen.Select(
            ops.Array[1, 6],
            Gen.Int[0, 7].Array[8, 40],
            crashes ? Gen.Int[0, 60].Array[0, 2] : Gen.Const(Array.Empty<int>()),
            jumps ? Gen.Int[0, 60].Array[0, 2] : Gen.Const(Array.Empty<int>()),
            Timings,
            Gen.Bool.Select(one => one ? World.PieceSize : World.BlockSize))
        .Select(t => new Schedule(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5, t.Item6));

    private static readonly Gen<Op> Everything = Gen.Frequency((5, ChunkOps(AnyBody)), (2, Others()), (2, Writers));

    [Fact]
    public void Acknowledged_is_final() => Check(Invariant.AcknowledgedIsFinal, Schedules(Everything));

    [Fact]
    public void A_refused_request_changes_nothing() =>
        Check(Invariant.RefusedChangesNothing, Schedules(Gen.Frequency((6, ChunkOps(AnyBody)), (1, Others()))));

    [Fact]
    public void Resends_are_verified() =>
        Check(Invariant.ResendsAreVerified, Schedules(ChunkOps(Gen.OneOf(Gen.Const(Body.Good), Gen.Const(Body.GoodNoMd5), Gen.Const(Body.Other))), jumps: false));

    [Fact]
    public void One_write_authority_per_path() =>
        Check(Invariant.OneWriteAuthority, Schedules(Gen.Frequency((3, ChunkOps(AnyBody)), (2, Others()), (4, Writers))));

    [Fact]
    public void No_phantom_files() => Check(Invariant.NoPhantomFiles, Schedules(Everything));

    [Fact]
    public void Ended_means_ended() =>
        Check(Invariant.EndedMeansEnded, Schedules(Gen.Frequency((4, ChunkOps(AnyBody)), (3, Others()), (1, Writers))));

    /// <summary>
    /// Invariant 6b: chunks of one session (good bodies, so each would be accepted), the cleanup and commits, with the
    /// clock jumping once or twice (by 15 s to 2 h) at some storage calls; a chunk that went on to receive is never cut off
    /// by an expiry, whoever else finishes first, and a session lives at least its expiry after its last acknowledged chunk.
    /// </summary>
    [Fact]
    public void A_session_does_not_expire_while_a_chunk_of_it_is_being_received() =>
        Check([Invariant.NoExpiryWhileReceiving, Invariant.LivesExpiryAfterLastChunk], Gen.Select(
                Gen.Frequency(
                    (6, Gen.Select(Gen.Int[0, World.Pieces.Length - 1], Gen.OneOf(Gen.Const(Body.Good), Gen.Const(Body.GoodNoMd5)), Gen.Int[0, 2])
                        .Select(t => (Op)new Chunk(0, t.Item1, t.Item2) { Instance = t.Item3 })),
                    (2, Gen.Int[0, 2].Select(i => (Op)new CleanupOp { Instance = i })),
                    (1, Gen.Int[0, 2].Select(i => (Op)new Commit(0) { Instance = i }))).Array[2, 6],
                Gen.Int[0, 7].Array[8, 40],
                Gen.Int[0, 60].Array[0, 1],
                Gen.Int[0, 40].Array[1, 2],
                Timings)
            .Select(t => new Schedule(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5)));

    [Fact]
    public void Every_race_ends_well() => Check(Invariant.EveryRaceEndsWell, Schedules(Everything));

    /// <summary>Two principals send chunks, commits and deletes to the same sessions: only each session's owner is served,
    /// and what the other sent never counts (<see cref="Invariant.RefusedChangesNothing"/> checked in the same runs).</summary>
    [Fact]
    public void Only_the_owner_acts_on_a_session() =>
        Check([Invariant.OnlyTheOwnerActs, Invariant.RefusedChangesNothing],
            Schedules(Gen.Frequency((5, ChunkOps(AnyBody, Gen.Int[0, 1])), (2, Others(Gen.Int[0, 1])))));

    private static void Check(Invariant invariant, Gen<Schedule> schedules) => Check([invariant], schedules);

    private static void Check(Invariant[] invariants, Gen<Schedule> schedules) =>
        schedules.Sample(
            schedule =>
            {
                var violations = Model.Run(schedule).Where(v => invariants.Contains(v.Invariant)).ToList();
                if (violations.Count > 0 && Environment.GetEnvironmentVariable("MODEL_TRACE_FILE") is { } traceFile)
                {
                    var lines = new List<string>();
                    Model.Trace = lines.Add;
                    Model.Run(schedule);
                    Model.Trace = null;
                    File.WriteAllLines(traceFile, [schedule.ToString()!, .. lines]);
                }

                if (violations.Count > 0)
                {
                    throw new Xunit.Sdk.XunitException($"{violations[0]}\nschedule: {schedule}");
                }
            },
            iter: Iterations,
            threads: 1,
            print: s => s.ToString());
}
