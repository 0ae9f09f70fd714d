// The two servers bench/run.sh reads ImageGate's figures against, each answering every POST /scan with the
// same fixed review answer (ImageGate's own, taken from it first):
//   floor    a one-step platform-http route on Camel's Vert.x engine, as ImageGate serves reviews: what any
//            Camel route costs on this engine before it does any work. It answers as ImageGate does, with a
//            ByteBuffer, which the engine writes at once; a byte[] answer would be streamed in chunks through a
//            worker thread, which about halves what the floor serves (see BENCHMARKS.md)
//   ceiling  the JDK's HttpServer, reading each request's body and writing the answer: about the least a JVM
//            HTTP server costs
// Usage: java -cp '<ImageGate's jars>/*' bench/Baselines.java floor|ceiling PORT ANSWER_FILE
import com.sun.net.httpserver.HttpServer;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.apache.camel.impl.DefaultCamelContext;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

public class Baselines {

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[1]);
        byte[] answer = Files.readAllBytes(Path.of(args[2]));
        switch (args[0]) {
            case "floor" -> floor(port, answer);
            case "ceiling" -> ceiling(port, answer);
            default -> throw new IllegalArgumentException("floor or ceiling, not " + args[0]);
        }
        System.out.println("ready");
        Thread.currentThread().join();
    }

    static void floor(int port, byte[] answer) throws Exception {
        CamelContext camel = new DefaultCamelContext();
        VertxPlatformHttpServerConfiguration configuration = new VertxPlatformHttpServerConfiguration();
        configuration.setBindPort(port);
        camel.addService(new VertxPlatformHttpServer(configuration));
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                // A ByteBuffer is used up by writing it: each answer gets its own view of the bytes (no copy).
                from("platform-http:/scan?httpMethodRestrict=POST")
                        .setHeader("Content-Type", constant("application/json"))
                        .process(exchange -> exchange.getMessage().setBody(ByteBuffer.wrap(answer)));
            }
        });
        camel.start();
    }

    static void ceiling(int port, byte[] answer) throws Exception {
        // Without it, headers and body leave in two segments and Nagle's algorithm holds the second back
        // until the client's delayed ACK: ~40 ms per keep-alive request.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
        server.createContext("/scan", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                body.readAllBytes();
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        server.start();
    }
}
