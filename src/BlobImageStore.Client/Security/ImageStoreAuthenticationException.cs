namespace BlobImageStore.Client;

/// <summary>
/// The client could not authenticate before sending a request: the server does not take Entra ID tokens, the
/// credential could not get a token, or a certificate file could not be used. Never retried; the message says what to change.
/// </summary>
public sealed class ImageStoreAuthenticationException : Exception
{
    /// <summary>An authentication failure with its explanation.</summary>
    /// <param name="message">What failed and what to change.</param>
    /// <param name="innerException">The credential's or loader's own exception, if any.</param>
    public ImageStoreAuthenticationException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
