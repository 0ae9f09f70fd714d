package dev.imagegate.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An SMTP server that fails on cue, the ways mail relays fail: turning the connection away, a temporary (4xx) or
 * permanent (5xx) answer at a given step, or silence. {@link Failure#NONE} accepts every message (and drops it).
 */
public final class ScriptedSmtpServer implements AutoCloseable {

    /** Where and how the server fails. */
    public enum Failure {
        NONE(null, null),
        REFUSES_CONNECTIONS(null, null),
        NEVER_GREETS(null, null),
        UNAVAILABLE_421_AT_GREETING("", "421 4.3.2 Service not available, closing transmission channel"),
        REJECTS_CREDENTIALS_535("AUTH", "535 5.7.8 Authentication credentials invalid"),
        REJECTS_RECIPIENT_550("RCPT", "550 5.1.1 Mailbox unavailable"),
        DEFERS_MESSAGE_451(".", "451 4.3.0 Try again later");

        final String at;
        final String answer;

        Failure(String at, String answer) {
            this.at = at;
            this.answer = answer;
        }
    }

    private final int port;
    private final List<Socket> sessions = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile Failure failure = Failure.NONE;
    private volatile ServerSocket listener;

    private ScriptedSmtpServer(int port) {
        this.port = port;
    }

    public static ScriptedSmtpServer start() {
        ScriptedSmtpServer server = new ScriptedSmtpServer(Ports.free());
        server.listen();
        return server;
    }

    public int port() {
        return port;
    }

    /** Connections accepted so far: one per delivery attempt. */
    public int connections() {
        return connections.get();
    }

    /** Fails this way from the next connection on; refusing connections closes the port until told otherwise. */
    public synchronized void fail(Failure next) {
        boolean refusing = next == Failure.REFUSES_CONNECTIONS;
        if (refusing && listener != null) {
            closeQuietly(listener);
            listener = null;
        } else if (!refusing && listener == null) {
            listen();
        }
        failure = next;
    }

    private synchronized void listen() {
        try {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            listener = socket;
            Thread acceptor = new Thread(() -> accept(socket), "scripted-smtp-" + port);
            acceptor.setDaemon(true);
            acceptor.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void accept(ServerSocket socket) {
        while (!socket.isClosed()) {
            try {
                Socket session = socket.accept();
                connections.incrementAndGet();
                sessions.add(session);
                Failure now = failure;
                Thread thread = new Thread(() -> converse(session, now), "scripted-smtp-session");
                thread.setDaemon(true);
                thread.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private static void converse(Socket session, Failure failure) {
        try {
            InputStream in = session.getInputStream();
            OutputStream out = session.getOutputStream();
            if (failure == Failure.NEVER_GREETS) {
                return; // the session stays open and silent until the client gives up
            }
            if ("".equals(failure.at)) {
                SmtpLines.reply(out, failure.answer);
                session.close();
                return;
            }
            SmtpLines.reply(out, "220 smtp.test ESMTP");
            boolean data = false;
            for (String line = SmtpLines.readLine(in); line != null; line = SmtpLines.readLine(in)) {
                if (data) {
                    if (line.equals(".")) {
                        data = false;
                        if (!answer(out, failure, ".")) {
                            SmtpLines.reply(out, "250 2.0.0 Queued");
                        }
                    }
                    continue;
                }
                String command = line.toUpperCase(Locale.ROOT);
                if (command.startsWith("EHLO") || command.startsWith("HELO")) {
                    SmtpLines.reply(out, "250-smtp.test\r\n250 AUTH PLAIN LOGIN");
                } else if (command.startsWith("AUTH")) {
                    if (!answer(out, failure, "AUTH")) {
                        SmtpLines.reply(out, command.startsWith("AUTH PLAIN ") ? "235 2.7.0 Authentication successful" : "334 ");
                        if (!command.startsWith("AUTH PLAIN ")) {
                            SmtpLines.readLine(in);
                            SmtpLines.reply(out, "334 ");
                            SmtpLines.readLine(in);
                            SmtpLines.reply(out, "235 2.7.0 Authentication successful");
                        }
                    }
                } else if (command.startsWith("RCPT")) {
                    if (!answer(out, failure, "RCPT")) {
                        SmtpLines.reply(out, "250 2.1.5 Ok");
                    }
                } else if (command.equals("DATA")) {
                    SmtpLines.reply(out, "354 End data with <CR><LF>.<CR><LF>");
                    data = true;
                } else if (command.equals("QUIT")) {
                    SmtpLines.reply(out, "221 2.0.0 Bye");
                    session.close();
                    return;
                } else {
                    SmtpLines.reply(out, "250 2.0.0 Ok");
                }
            }
        } catch (IOException e) {
            // the client hung up
        }
    }

    private static boolean answer(OutputStream out, Failure failure, String step) throws IOException {
        if (step.equals(failure.at)) {
            SmtpLines.reply(out, failure.answer);
            return true;
        }
        return false;
    }



    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }

    @Override
    public synchronized void close() {
        if (listener != null) {
            closeQuietly(listener);
        }
        sessions.forEach(ScriptedSmtpServer::closeQuietly);
    }
}
