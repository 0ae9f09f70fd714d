package dev.imagegate.tags;

/**
 * The registry could not say which digest a tag points to: it is down, refused the credentials, did not
 * answer in time, or has no such tag.
 */
public class UnresolvedTagException extends RuntimeException {

    private final boolean refused;

    public UnresolvedTagException(String reason, boolean refused) {
        super(reason);
        this.refused = refused;
    }

    /** The registry answered UNAUTHORIZED or DENIED: logging in might help. */
    public boolean refused() {
        return refused;
    }
}
