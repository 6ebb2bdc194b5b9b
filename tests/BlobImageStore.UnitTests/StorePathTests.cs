using BlobImageStore.Errors;
using BlobImageStore.Http;
using BlobImageStore.Paths;

namespace BlobImageStore.UnitTests;

public class StorePathTests
{
    [Theory]
    [InlineData("SampleApp/SvcPkg/Code/huge.bin")]
    [InlineData("SampleApp%2FSvcPkg%2FCode%2Fhuge.bin")]
    [InlineData("SampleApp%5CSvcPkg%5CCode%5Chuge.bin")]
    [InlineData("SampleApp\\SvcPkg\\Code\\huge.bin")]
    [InlineData("/SampleApp/SvcPkg/Code/huge.bin/")]
    [InlineData("%2FSampleApp//SvcPkg/Code/huge.bin%2F")]
    [InlineData(" SampleApp/SvcPkg/Code/huge.bin ")]
    public void Every_separator_form_names_the_same_blob(string raw)
    {
        Assert.Equal("SampleApp/SvcPkg/Code/huge.bin", Accept(raw).Value);
    }

    [Fact]
    public void Percent_encoded_characters_are_decoded_once()
    {
        Assert.Equal("a/with space.txt", Accept("a%2Fwith%20space.txt").Value);
        Assert.Equal("a/100%.txt", Accept("a/100%25.txt").Value);
    }

    [Fact]
    public void Answers_use_the_configured_separator()
    {
        var path = StorePath.Parse("a/b/c.txt");

        Assert.Equal("a\\b\\c.txt", path.ToResponsePath('\\'));
        Assert.Equal("a/b/c.txt", path.ToResponsePath('/'));
    }

    [Theory]
    [InlineData("", FabricErrorCodes.InvalidNameUri)]
    [InlineData("%2F%2F", FabricErrorCodes.InvalidNameUri)]
    [InlineData("a/../b", FabricErrorCodes.InvalidNameUri)]
    [InlineData("a/%2E%2E/b", FabricErrorCodes.InvalidNameUri)]
    [InlineData("..%5Cb", FabricErrorCodes.InvalidNameUri)]
    [InlineData("./b", FabricErrorCodes.InvalidNameUri)]
    [InlineData("a%01b", FabricErrorCodes.InvalidNameUri)]
    [InlineData("a%0Ab", FabricErrorCodes.InvalidNameUri)]
    [InlineData("a%7Fb", FabricErrorCodes.InvalidNameUri)]
    public void Refuses_empty_relative_and_control_character_paths(string raw, string code)
    {
        var e = Refusal(raw);

        Assert.Equal(code, e.Code);
        Assert.Equal(400, (int)e.Status);
    }

    [Fact]
    public void Refuses_paths_over_1024_characters_and_accepts_1024()
    {
        Assert.Equal(1024, StorePath.Parse(new string('a', 1024)).Value.Length);

        Assert.False(StorePath.TryParse(new string('a', 1025), out _, out var error));
        var e = ErrorCatalogue.ToError(error);
        Assert.Equal(FabricErrorCodes.PathTooLong, e.Code);
        Assert.Equal(400, (int)e.Status);
        Assert.Contains("1025 characters", e.Message);
    }

    [Fact]
    public void Refuses_more_segments_than_a_blob_name_allows()
    {
        Assert.False(StorePath.TryParse(string.Join('/', Enumerable.Repeat("a", 255)), out _, out var error));
        var e = ErrorCatalogue.ToError(error);

        Assert.Equal(FabricErrorCodes.PathTooLong, e.Code);
    }

    [Fact]
    public void Every_kind_of_path_error_has_its_own_words_in_the_catalogue()
    {
        string[] raws = ["%2F", "a%01b", "a/%EE%80%80", "a/../b", "a/$/b", "a/b.", new string('a', 1025), string.Join('/', Enumerable.Repeat("a", 255))];
        var errors = raws.Select(raw => StorePath.TryFromRequestTarget(raw, out _, out var error) ? null : error).ToList();

        Assert.All(errors, Assert.NotNull);
        var kinds = typeof(StorePathError).GetNestedTypes().Where(t => t.IsSubclassOf(typeof(StorePathError))).ToHashSet();
        Assert.Equal(kinds.OrderBy(t => t.Name).Select(t => t.Name), errors.Select(e => e!.GetType()).Distinct().OrderBy(t => t.Name).Select(t => t.Name));
        Assert.True(StorePath.TryFromRequestTarget("a/100%ZZ", out var kept, out _)); // a % that starts no escape is a character
        Assert.Equal("a/100%ZZ", kept.Value);
        Assert.All(errors, e =>
        {
            var answer = ErrorCatalogue.ToError(e!);
            Assert.Equal(400, (int)answer.Status);
            Assert.DoesNotContain("breaks a store-path rule", answer.Message);
        });
    }

    [Fact]
    public void Parse_is_for_known_paths_and_throws_no_http_error()
    {
        // Parse is for paths read back from the store; requests go through TryParse, whose error the catalogue words.
        Assert.Throws<FormatException>(() => StorePath.Parse("a/b."));
    }

    private static StorePath Accept(string raw)
    {
        Assert.True(StorePath.TryFromRequestTarget(raw, out var path, out var error), error?.ToString());
        return path;
    }

    /// <summary>The answer the server gives for a path the protocol refuses: its error, through the error catalogue.</summary>
    private static FabricErrorResult Refusal(string raw)
    {
        Assert.False(StorePath.TryFromRequestTarget(raw, out _, out var error));
        return ErrorCatalogue.ToError(error);
    }
}
