using Microsoft.Extensions.Options;

namespace BlobImageStore;

/// <summary>
/// Rules across <see cref="ImageStoreOptions"/> members that data annotations cannot express. The session records and
/// path claims (<c>sessions/…</c>, <c>paths/…</c>) must live apart from the files: in one container they would be listed,
/// counted, copied and deleted as store content, and a file upload could overwrite them.
/// </summary>
public sealed class ImageStoreOptionsValidator : IValidateOptions<ImageStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, ImageStoreOptions options) =>
        string.Equals(options.Container, options.SessionContainer, StringComparison.OrdinalIgnoreCase)
            ? ValidateOptionsResult.Fail(
                $"ImageStore:SessionContainer and ImageStore:Container are both '{options.Container}'. The session records must be kept apart from the files: set ImageStore:SessionContainer to another container name (default 'imagestore-sessions').")
            : ValidateOptionsResult.Success;
}
