using System.Text.Json;
using BlobImageStore.Content;
using BlobImageStore.Functions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NCrontab;

namespace BlobImageStore.InfraTests;

/// <summary>
/// <c>ImageStore:CleanupInterval</c> in the Functions deployment. The cleanup runs on the timer there
/// (<c>ImageStore:CleanupSchedule</c>), but <c>$/Info</c> reads CleanupInterval too: it measures the session container
/// itself when the usage summary the cleanup writes is older than 2 × CleanupInterval (<see cref="StoreUsage.SummaryMaxAge"/>).
/// The template and the local settings sample set the schedule and leave CleanupInterval at the code's default, so
/// that default must be the schedule's period: then Info re-measures only after one missed run, as on the self-host.
/// </summary>
public sealed class CleanupIntervalContractTests
{
    private const string Interval = "ImageStore__CleanupInterval";
    private const string Schedule = "ImageStore__CleanupSchedule";

    [Fact]
    public void The_Functions_app_reads_CleanupInterval_for_how_old_Infos_usage_summary_may_get()
    {
        Assert.Equal(TimeSpan.FromMinutes(14), InfoSummaryMaxAge(new() { [Interval] = "00:07:00" }));
        Assert.Equal(2 * new ImageStoreOptions().CleanupInterval, InfoSummaryMaxAge([]));
    }

    [Fact]
    public void In_the_deployed_app_Info_measures_itself_only_after_two_periods_of_the_cleanup_timer()
    {
        var settings = AppSettingsContractTests.AppSettings().Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var deployed = new Dictionary<string, string?>
        {
            [Schedule] = AppSettingsContractTests.MainParameterDefault(AppSettingsContractTests.ValueOf(Schedule)),
        };
        if (settings.Contains(Interval))
        {
            deployed[Interval] = AppSettingsContractTests.MainParameterDefault(AppSettingsContractTests.ValueOf(Interval));
        }

        AssertMatchesTheTimer(deployed, "the template's defaults");
    }

    [Fact]
    public void With_the_local_settings_sample_Info_measures_itself_only_after_two_periods_of_the_cleanup_timer()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "src", "BlobImageStore.Functions", "local.settings.sample.json")));
        var values = sample.RootElement.GetProperty("Values");
        var local = new Dictionary<string, string?> { [Schedule] = values.GetProperty(Schedule).GetString() };
        if (values.TryGetProperty(Interval, out var interval))
        {
            local[Interval] = interval.GetString();
        }

        AssertMatchesTheTimer(local, "local.settings.sample.json");
    }

    [Theory]
    [InlineData("0 */5 * * * *", 5 * 60)]
    [InlineData("30 */15 * * * *", 15 * 60)]
    [InlineData("0 0 * * * *", 60 * 60)]
    public void The_period_of_a_schedule_is_read_as_the_Functions_host_reads_it(string schedule, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Period(schedule));

    [Fact]
    public void A_schedule_without_one_period_is_refused() =>
        Assert.Throws<InvalidOperationException>(() => Period("0 0,10 * * * *")); // every hour at :00 and :10

    private static void AssertMatchesTheTimer(Dictionary<string, string?> settings, string where)
    {
        var period = Period(settings[Schedule]!);
        Assert.True(2 * period == InfoSummaryMaxAge(settings),
            $"With {where}, the cleanup timer runs every {period} but Info measures itself once the summary is older than {InfoSummaryMaxAge(settings)}: " +
            $"set {Interval} to the timer's period ({period}).");
    }

    /// <summary><see cref="StoreUsage.SummaryMaxAge"/> as the Functions app's own container computes it with these settings.</summary>
    private static TimeSpan InfoSummaryMaxAge(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key.Replace("__", ":", StringComparison.Ordinal), s.Value))
                .Append(KeyValuePair.Create("ImageStore:Storage", (string?)"UseDevelopmentStorage=true"))) // never dialled
            .Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddImageStoreFunctions(configuration);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<StoreUsage>().SummaryMaxAge;
    }

    /// <summary>The one interval between runs of an NCRONTAB schedule with seconds, over a day of runs.</summary>
    private static TimeSpan Period(string schedule)
    {
        var cron = CrontabSchedule.Parse(schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = true });
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var runs = cron.GetNextOccurrences(start, start.AddDays(1)).ToList();
        var gaps = runs.Zip(runs.Skip(1), (a, b) => b - a).Distinct().ToList();
        return gaps.Count == 1 ? gaps[0] : throw new InvalidOperationException($"'{schedule}' has no single period: {string.Join(", ", gaps)}");
    }
}
