package dev.imagegate.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagegate.review.ErrorResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/** Every answer the review port gives that is not a review: a status and {@code {"error": "..."}}, never a trace. */
final class HttpErrors {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final long CLOSE_GRACE_MILLIS = 1_000;
    private static final List<Integer> ROUTER_STATUSES = List.of(400, 404, 405, 406, 408, 413, 415, 500, 503);

    private HttpErrors() {
    }

    static void send(RoutingContext request, int status, String error) {
        answer(request, status, error);
    }

    /**
     * Sends this answer and ends the connection: for clients whose body is not worth reading to the end. Vert.x
     * closes it once the rest of the body has come; a client still sending after {@link #CLOSE_GRACE_MILLIS} is cut
     * off. Closing at once could reset the connection before the client has read the answer.
     */
    static void sendAndClose(RoutingContext request, int status, String error) {
        request.response().putHeader(HttpHeaders.CONNECTION, "close");
        Future<Void> sent = answer(request, status, error);
        if (sent != null) {
            sent.onComplete(done -> request.vertx().setTimer(CLOSE_GRACE_MILLIS, expired -> request.request().connection().close()));
        }
    }

    private static Future<Void> answer(RoutingContext request, int status, String error) {
        if (request.response().ended() || request.response().headWritten()) {
            return null;
        }
        return request.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(json(error));
    }

    /** Answers the router's own failures (no route, wrong method, a handler's failure) the same way. */
    static void answerRouterFailures(Router router) {
        for (int status : ROUTER_STATUSES) {
            router.errorHandler(status, request -> send(request, status, describe(request, status)));
        }
    }

    private static String describe(RoutingContext request, int status) {
        return switch (status) {
            case 404 -> "no such endpoint: " + request.request().path() + " (POST /scan takes an ImageReview; /validate and /mutate an AdmissionReview)";
            case 405 -> "method " + request.request().method() + " is not allowed; use POST";
            case 500 -> "internal error; see the ImageGate log";
            default -> HttpResponseStatus.valueOf(status).reasonPhrase();
        };
    }

    private static String json(String error) {
        try {
            return JSON.writeValueAsString(new ErrorResponse(error));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
