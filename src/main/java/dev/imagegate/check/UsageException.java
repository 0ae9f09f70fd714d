package dev.imagegate.check;

/** A mistake in how {@code imagegate check} was called or in what it was given to read: exit 2, one line on stderr. */
class UsageException extends RuntimeException {

    UsageException(String message) {
        super(message);
    }
}
