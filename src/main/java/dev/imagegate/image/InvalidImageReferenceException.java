package dev.imagegate.image;

/** An image string that is not a valid Docker/OCI distribution reference. */
public class InvalidImageReferenceException extends RuntimeException {

    public InvalidImageReferenceException(String message) {
        super(message);
    }
}
