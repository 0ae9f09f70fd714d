package dev.imagegate.server;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpConsumer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpSupport;
import org.apache.camel.spi.HeaderFilterStrategy;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;

/**
 * A door route's consumer that runs the route on the event loop that read the request. Camel's consumer hands
 * every request to a worker thread, since it cannot know whether a route blocks; the review routes never do: a
 * review that must wait for its scans returns from the route at once and continues on a review worker when they
 * finish or its deadline comes (see {@code Reviews.decide}). So a review decided without waiting (every image
 * cached, decided by a rule, or invalid) is read, judged and answered with no thread crossing, and a waiting one
 * holds no thread at all.
 */
final class EventLoopConsumer extends VertxPlatformHttpConsumer {

    /**
     * Camel's own answer writer (status, headers through the endpoint's filter, body conversion, an unhandled
     * exception as 500), so that answers are written exactly as Camel's consumer writes them; it is
     * package-private at Camel 4.17.
     */
    private static final MethodHandle WRITE_RESPONSE = writeResponse();

    EventLoopConsumer(PlatformHttpEndpoint endpoint, Processor processor, List<Handler<RoutingContext>> handlers,
                      String routerName) {
        super(endpoint, processor, handlers, routerName);
    }

    @Override
    protected void handleRequest(RoutingContext request) {
        if (isSuspended()) {
            // As Camel's consumer answers while its route is being stopped.
            request.response().setStatusCode(503).end();
            return;
        }
        Exchange exchange = createExchange(false);
        exchange.setPattern(ExchangePattern.InOut);
        processHttpRequest(exchange, request).onComplete(read -> {
            if (read.failed()) {
                fail(exchange, request, read.cause());
            } else {
                route(exchange, request);
            }
        });
    }

    private void route(Exchange exchange, RoutingContext request) {
        Context loop = Vertx.currentContext();
        try {
            createUoW(exchange);
            getAsyncProcessor().process(exchange, doneSync -> {
                if (Vertx.currentContext() == loop) {
                    answer(exchange, request);
                } else {
                    // The review waited for a scan: its route finished on a review worker.
                    loop.runOnContext(written -> answer(exchange, request));
                }
            });
        } catch (Exception | LinkageError e) {
            fail(exchange, request, e);
        }
    }

    private void answer(Exchange exchange, RoutingContext request) {
        if (request.response().ended() || request.response().closed()) {
            // The overall time limit answered first, or the client went away.
            done(exchange);
            return;
        }
        write(request, exchange).onComplete(written -> {
            if (written.succeeded()) {
                done(exchange);
            } else {
                fail(exchange, request, written.cause());
            }
        });
    }

    @SuppressWarnings("unchecked")
    private Future<Void> write(RoutingContext request, Exchange exchange) {
        try {
            return (Future<Void>) WRITE_RESPONSE.invokeExact(request, exchange, getEndpoint().getHeaderFilterStrategy(),
                    getEndpoint().isMuteException());
        } catch (Throwable e) {
            return Future.failedFuture(e);
        }
    }

    private void fail(Exchange exchange, RoutingContext request, Throwable failure) {
        getExceptionHandler().handleException("Failed handling platform-http endpoint " + getEndpoint().getPath(), failure);
        request.fail(failure);
        done(exchange);
    }

    private void done(Exchange exchange) {
        doneUoW(exchange);
        releaseExchange(exchange, false);
    }

    private static MethodHandle writeResponse() {
        try {
            return MethodHandles.privateLookupIn(VertxPlatformHttpSupport.class, MethodHandles.lookup()).findStatic(
                    VertxPlatformHttpSupport.class, "writeResponse", MethodType.methodType(Future.class, RoutingContext.class,
                            Exchange.class, HeaderFilterStrategy.class, boolean.class));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("camel-platform-http-vertx has no writeResponse as at 4.17", e);
        }
    }
}
