package dev.imagegate.review;

/** A request that is not an ImageReview ImageGate can answer; the client gets 400 and this message. */
public class InvalidReviewException extends RuntimeException {

    public InvalidReviewException(String message) {
        super(message, null, false, false);
    }
}
