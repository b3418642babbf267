namespace HealthLedger.Node.Security;

/// <summary>Why a password change was refused (<see cref="AccountService.ChangePasswordAsync"/>): the field at fault and what to tell the user.</summary>
/// <param name="Field">The field the message belongs to: <c>currentPassword</c> or <c>newPassword</c>.</param>
/// <param name="Message">What the user is told.</param>
/// <param name="RetryAfter">Set when the change may succeed later unchanged: too many attempts for the account (429), or the node busy (503, <paramref name="Overloaded"/>).</param>
/// <param name="Overloaded">The node runs too many password checks at once: not the caller's fault.</param>
public sealed record PasswordChangeError(string Field, string Message, TimeSpan? RetryAfter = null, bool Overloaded = false);
