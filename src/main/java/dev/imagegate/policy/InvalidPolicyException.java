package dev.imagegate.policy;

/** A policy file that cannot be used; the message says where and why. */
public class InvalidPolicyException extends RuntimeException {

    public InvalidPolicyException(String message) {
        super(message);
    }
}
