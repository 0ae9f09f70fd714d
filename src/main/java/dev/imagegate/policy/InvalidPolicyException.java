package dev.imagegate.policy;

/** A policy file that cannot be used; the message says where and why. */
public class InvalidPolicyException extends RuntimeException {

    private final String field;
    private final String problem;

    public InvalidPolicyException(String message) {
        super(message);
        this.field = null;
        this.problem = message;
    }

    /** A setting that does not make sense, e.g. field {@code exceptions[0].expires}: "missing ...". */
    public InvalidPolicyException(String field, String problem) {
        super("field " + field + ": " + problem);
        this.field = field;
        this.problem = problem;
    }

    /** The setting at fault, as {@code exceptions[0].expires}; null when the error is about the file as a whole. */
    public String field() {
        return field;
    }

    public String problem() {
        return problem;
    }
}
