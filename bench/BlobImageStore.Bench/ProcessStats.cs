using System.Globalization;

namespace BlobImageStore.Bench;

/// <summary>Peak resident memory and CPU time of a process, read from /proc (Linux).</summary>
public static class ProcessStats
{
    /// <summary>VmHWM: the peak resident set size since the process started, in bytes.</summary>
    public static long PeakRss(int pid) => ReadStatusKb(pid, "VmHWM:") * 1024;

    /// <summary>User + system CPU time, in seconds.</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0; // USER_HZ is 100 on Linux
    }

    private static long ReadStatusKb(int pid, string key)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
