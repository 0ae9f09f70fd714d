package dev.imagegate.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A TCP server that accepts every connection and never says a word: an alert sink that hangs. */
public final class SilentServer implements AutoCloseable {

    private final ServerSocket listener;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();

    private SilentServer(ServerSocket listener) {
        this.listener = listener;
    }

    public static SilentServer start() {
        try {
            SilentServer server = new SilentServer(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
            Thread acceptor = new Thread(server::accept, "silent-server-" + server.port());
            acceptor.setDaemon(true);
            acceptor.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Connections accepted so far. */
    public int connections() {
        return accepted.size();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                accepted.add(listener.accept());
            } catch (IOException closed) {
                return;
            }
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
            for (Socket socket : accepted) {
                socket.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
