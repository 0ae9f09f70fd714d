package dev.imagegate.server;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.impl.RoutingContextInternal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads a review's body before the route sees it: JSON only (415 otherwise), at most
 * {@code imagegate.review.max-body-size} bytes (413 beyond, counted after gzip decoding so that a small
 * compressed bomb cannot expand past it), gzip {@code Content-Encoding} decoded, and all of it within
 * {@code imagegate.review.read-timeout} (408 for slower clients). Takes the place of Vert.x's BodyHandler, which
 * neither decodes gzip request bodies nor answers these cases in JSON.
 */
final class ReviewBodyReader implements Handler<RoutingContext> {

    private final long limit;
    private final Duration readTimeout;

    ReviewBodyReader(long limit, Duration readTimeout) {
        this.limit = limit;
        this.readTimeout = readTimeout;
    }

    @Override
    public void handle(RoutingContext review) {
        HttpServerRequest request = review.request();
        String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
        if (!isJson(contentType)) {
            HttpErrors.sendAndClose(review, 415, "Content-Type must be application/json, not " + contentType);
            return;
        }
        String encoding = request.getHeader(HttpHeaders.CONTENT_ENCODING);
        boolean gzip = encoding != null && encoding.trim().equalsIgnoreCase("gzip");
        if (encoding != null && !gzip && !encoding.trim().equalsIgnoreCase("identity")) {
            HttpErrors.sendAndClose(review, 415, "Content-Encoding " + encoding + " is not supported");
            return;
        }
        if (declaredLength(request) > limit) {
            HttpErrors.sendAndClose(review, 413, tooLarge());
            return;
        }
        read(review, gzip);
    }

    private void read(RoutingContext review, boolean gzip) {
        HttpServerRequest request = review.request();
        Buffer body = Buffer.buffer();
        if (request.isEnded()) {
            handOn(review, gzip, body);
            return;
        }
        Vertx vertx = review.vertx();
        long timer = vertx.setTimer(readTimeout.toMillis(), expired ->
                HttpErrors.sendAndClose(review, 408, "request body not received within " + readTimeout.toSeconds() + " s"));
        request.handler(chunk -> {
            if (body.length() + chunk.length() > limit) {
                vertx.cancelTimer(timer);
                request.handler(null);
                HttpErrors.sendAndClose(review, 413, tooLarge());
            } else {
                body.appendBuffer(chunk);
            }
        });
        request.exceptionHandler(failure -> vertx.cancelTimer(timer));
        request.endHandler(end -> {
            if (vertx.cancelTimer(timer) && !review.response().ended()) {
                handOn(review, gzip, body);
            }
        });
        request.resume();
    }

    private void handOn(RoutingContext review, boolean gzip, Buffer body) {
        Buffer decoded = gzip ? gunzip(review, body) : body;
        if (decoded != null) {
            // As Vert.x's BodyHandler hands the body on: platform-http's consumer reads it from here.
            ((RoutingContextInternal) review).setBody(decoded);
            review.next();
        }
    }

    private Buffer gunzip(RoutingContext review, Buffer body) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body.getBytes()))) {
            byte[] decoded = readAtMost(in);
            if (decoded.length > limit) {
                HttpErrors.send(review, 413, tooLarge());
                return null;
            }
            return Buffer.buffer(decoded);
        } catch (ZipException | EOFException e) {
            HttpErrors.send(review, 400, "request body is not valid gzip");
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What kube-apiserver sends; a missing type is read as JSON too. */
    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return true;
        }
        String type = contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
        return type.equals("application/json") || type.endsWith("+json");
    }

    private static long declaredLength(HttpServerRequest request) {
        try {
            String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
            return length == null ? -1 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private byte[] readAtMost(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while (out.size() <= limit && (n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private String tooLarge() {
        return "request body is larger than " + limit + " bytes";
    }
}
