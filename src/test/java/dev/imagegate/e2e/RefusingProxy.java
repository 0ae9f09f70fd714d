package dev.imagegate.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An HTTP(S) proxy on loopback that records every connection made to it (with the first line the client
 * sent, e.g. {@code CONNECT tuf-repo-cdn.sigstore.dev:443 HTTP/1.1}) and refuses it: given as a process's
 * proxy, it shows whether that process tried to reach anything beyond loopback.
 */
final class RefusingProxy implements AutoCloseable {

    private final ServerSocket socket;
    private final List<String> connections = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private static final String SENTINEL = "SENTINEL";

    RefusingProxy() throws IOException {
        this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::refuseAll, "refusing-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** {@code http://127.0.0.1:PORT}, for HTTPS_PROXY and HTTP_PROXY. */
    String url() {
        return "http://127.0.0.1:" + socket.getLocalPort();
    }

    /**
     * The first line each connection so far sent (or "" when it sent none before being refused). A connection
     * of its own goes last: the kernel hands connections over in order, so once it is in, every earlier one is.
     */
    List<String> connections() throws IOException, InterruptedException {
        try (Socket sentinel = new Socket(InetAddress.getLoopbackAddress(), socket.getLocalPort())) {
            sentinel.getOutputStream().write((SENTINEL + "\n").getBytes(StandardCharsets.US_ASCII));
            sentinel.getOutputStream().flush();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!connections.contains(SENTINEL)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the proxy did not take its own connection");
                }
                Thread.sleep(20);
            }
        }
        connections.remove(SENTINEL);
        return List.copyOf(connections);
    }

    private void refuseAll() {
        while (!socket.isClosed()) {
            try (Socket client = socket.accept()) {
                client.setSoTimeout(2000);
                connections.add(firstLine(client.getInputStream()));
                client.getOutputStream().write("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // Closed, or the client gave up: either way it was refused.
            }
        }
    }

    private static String firstLine(InputStream in) {
        StringBuilder line = new StringBuilder();
        try {
            for (int c = in.read(); c >= 0 && c != '\n' && line.length() < 512; c = in.read()) {
                line.append((char) c);
            }
        } catch (IOException e) {
            // Nothing more came.
        }
        return line.toString().strip();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
