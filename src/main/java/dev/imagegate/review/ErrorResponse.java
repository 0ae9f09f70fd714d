package dev.imagegate.review;

/** The JSON body of a 4xx answer: {@code {"error": "..."}}. */
public record ErrorResponse(String error) {

    /** Built from the exception a route caught; its message was written for the client. */
    public static ErrorResponse of(InvalidReviewException exception) {
        return new ErrorResponse(exception.getMessage());
    }
}
