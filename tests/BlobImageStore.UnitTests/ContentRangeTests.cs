using BlobImageStore.Errors;
using BlobImageStore.Http;
using BlobImageStore.Sessions;

namespace BlobImageStore.UnitTests;

public class ContentRangeTests
{
    [Theory]
    [InlineData("bytes 300-5000/20000", 300, 5000, 20000)]
    [InlineData("300-5000/20000", 300, 5000, 20000)]
    [InlineData("  BYTES 0-0/1 ", 0, 0, 1)]
    [InlineData("bytes 0-26214399/60000000", 0, 26214399, 60000000)]
    [InlineData("bytes 59999999-59999999/60000000", 59999999, 59999999, 60000000)]
    public void Parses_inclusive_ranges_with_or_without_the_unit(string header, long first, long last, long total)
    {
        Assert.True(ContentRange.TryParse(header, out var range, out _));

        Assert.Equal(new ContentRange(first, last, total), range);
        Assert.True(ContentRange.TryParse(range.ToString(), out var again, out _));
        Assert.Equal(range, again);
        Assert.Equal(last - first + 1, range.Length);
    }

    [Fact]
    public void The_empty_file_is_the_range_0_0_of_0_with_no_bytes()
    {
        Assert.True(ContentRange.TryParse("bytes 0-0/0", out var range, out _));

        Assert.True(range.IsEmptyFile);
        Assert.Equal(0, range.Length);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("bytes")]
    [InlineData("bytes 0-9")]
    [InlineData("bytes 0-9/10/11")]
    [InlineData("bytes 0/10")]
    [InlineData("bytes 0-1-2/10")]
    [InlineData("bytes a-9/10")]
    [InlineData("bytes -1-9/10")]
    [InlineData("bytes 0-9/*")]
    [InlineData("bytes 0-99999999999999999999/10")]
    [InlineData("bytes 5-4/10")]
    [InlineData("bytes 0-10/10")]
    [InlineData("bytes 10-10/10")]
    [InlineData("bytes 0-1/0")]
    [InlineData("bytes 1-1/0")]
    public void Refuses_malformed_reversed_or_outside_ranges_as_range_not_satisfiable(string? header)
    {
        var e = Refusal(header);

        Assert.Equal(FabricErrorCodes.UploadSessionRangeNotSatisfiable, e.Code);
        Assert.Equal(400, (int)e.Status);
    }

    [Fact]
    public void Last_equal_to_total_is_refused_with_a_message_naming_the_last_byte()
    {
        var e = Refusal("bytes 0-10/10");

        Assert.Contains("the last byte is 9", e.Message);
    }

    [Fact]
    public void Every_kind_of_range_error_has_its_own_words_in_the_catalogue()
    {
        string?[] headers = [null, "bytes 0-9", "bytes x-9/10", "bytes 1-1/0", "bytes 5-4/10", "bytes 0-10/10"];
        var errors = headers.Select(h => ContentRange.TryParse(h, out _, out var error) ? null : error).ToList();

        Assert.All(errors, Assert.NotNull);
        var kinds = typeof(ContentRangeError).GetNestedTypes().Where(t => t.IsSubclassOf(typeof(ContentRangeError))).Select(t => t.Name).Order();
        Assert.Equal(kinds, errors.Select(e => e!.GetType().Name).Distinct().Order());
        Assert.All(errors, e => Assert.DoesNotContain("breaks a Content-Range rule", ErrorCatalogue.ToError(e!).Message));
    }

    /// <summary>The answer the server gives for a header the protocol refuses: its error, through the error catalogue.</summary>
    private static FabricErrorResult Refusal(string? header)
    {
        Assert.False(ContentRange.TryParse(header, out _, out var error));
        return ErrorCatalogue.ToError(error);
    }
}
