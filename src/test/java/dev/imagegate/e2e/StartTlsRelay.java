package dev.imagegate.e2e;

import dev.imagegate.support.SmtpLines;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Locale;

/**
 * An SMTP server that speaks STARTTLS, as most mail relays do, in front of GreenMail's plain SMTP (GreenMail
 * 2.1 has no STARTTLS): it greets, offers STARTTLS, upgrades the connection with its current certificate, then
 * hands the conversation to GreenMail. Mail before STARTTLS is refused, so a delivery proves the upgrade.
 */
final class StartTlsRelay implements AutoCloseable {

    private final ServerSocket listener;
    private final int backendPort;
    private volatile SSLContext tls;

    private StartTlsRelay(ServerSocket listener, int backendPort, SSLContext tls) {
        this.listener = listener;
        this.backendPort = backendPort;
        this.tls = tls;
    }

    static StartTlsRelay start(int backendPort, SSLContext tls) {
        try {
            StartTlsRelay relay = new StartTlsRelay(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), backendPort, tls);
            Thread acceptor = new Thread(relay::accept, "starttls-relay");
            acceptor.setDaemon(true);
            acceptor.start();
            return relay;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Presents another certificate from the next connection on, as after a renewal. */
    void presentCertificate(SSLContext tls) {
        this.tls = tls;
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Thread session = new Thread(() -> serve(client), "starttls-session");
                session.setDaemon(true);
                session.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            SmtpLines.reply(out, "220 relay.test ESMTP");
            for (String line = SmtpLines.readLine(in); line != null; line = SmtpLines.readLine(in)) {
                String command = line.toUpperCase(Locale.ROOT);
                if (command.startsWith("EHLO") || command.startsWith("HELO")) {
                    SmtpLines.reply(out, "250-relay.test\r\n250 STARTTLS");
                } else if (command.equals("STARTTLS")) {
                    SmtpLines.reply(out, "220 2.0.0 Ready to start TLS");
                    SSLSocket secured = (SSLSocket) tls.getSocketFactory().createSocket(client, null, client.getPort(), false);
                    secured.setUseClientMode(false);
                    secured.startHandshake();
                    relay(secured);
                    return;
                } else if (command.equals("QUIT")) {
                    SmtpLines.reply(out, "221 2.0.0 Bye");
                    return;
                } else {
                    SmtpLines.reply(out, "530 5.7.0 Must issue a STARTTLS command first");
                }
            }
        } catch (IOException e) {
            // the client gave up, e.g. on a certificate it does not trust
        }
    }

    /** Pipes the secured conversation to GreenMail, whose greeting the client has already had from us. */
    private void relay(SSLSocket secured) throws IOException {
        try (Socket backend = new Socket(InetAddress.getLoopbackAddress(), backendPort)) {
            SmtpLines.readLine(backend.getInputStream());
            Thread up = new Thread(() -> pipe(secured, backend), "starttls-up");
            up.setDaemon(true);
            up.start();
            pipe(backend, secured);
        }
    }

    private static void pipe(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
        } catch (IOException closed) {
            // one side hung up
        } finally {
            try {
                to.shutdownOutput();
            } catch (IOException | UnsupportedOperationException ignored) {
                // already closed
            }
        }
    }



    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
