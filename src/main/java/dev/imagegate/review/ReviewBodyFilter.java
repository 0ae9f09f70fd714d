package dev.imagegate.review;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads each request body before the routes see it: JSON only (415 otherwise), at most
 * {@code imagegate.review.max-body-size} bytes (413 beyond, counted after gzip decoding so a small compressed
 * bomb cannot expand past it), and gzip {@code Content-Encoding} decoded, so routes always get plain, bounded
 * bytes.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class ReviewBodyFilter extends OncePerRequestFilter {

    private final long limit;
    private final ObjectMapper mapper;

    public ReviewBodyFilter(ReviewProperties properties, ObjectMapper mapper) {
        this.limit = properties.maxBodySize().toBytes();
        this.mapper = mapper;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getContentLengthLong() > limit) {
            reject(response, HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE, tooLarge());
            return;
        }
        if (!isJson(request.getContentType())) {
            reject(response, HttpServletResponse.SC_UNSUPPORTED_MEDIA_TYPE,
                    "Content-Type must be application/json, not " + request.getContentType());
            return;
        }
        String encoding = request.getHeader("Content-Encoding");
        boolean gzip = encoding != null && encoding.trim().equalsIgnoreCase("gzip");
        if (encoding != null && !gzip && !encoding.trim().equalsIgnoreCase("identity")) {
            reject(response, HttpServletResponse.SC_UNSUPPORTED_MEDIA_TYPE, "Content-Encoding " + encoding + " is not supported");
            return;
        }
        byte[] body;
        try {
            body = readAtMost(gzip ? new GZIPInputStream(request.getInputStream()) : request.getInputStream());
        } catch (ZipException | EOFException e) {
            reject(response, HttpServletResponse.SC_BAD_REQUEST, "request body is not valid gzip");
            return;
        }
        if (body.length > limit) {
            reject(response, HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE, tooLarge());
            return;
        }
        chain.doFilter(new ReadBodyRequest(request, body), response);
    }

    /** What kube-apiserver sends; a missing type is read as JSON too. Form bodies would be parsed as parameters. */
    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return true;
        }
        String type = contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
        return type.equals("application/json") || type.endsWith("+json");
    }

    private byte[] readAtMost(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while (body.size() <= limit && (n = in.read(buffer)) >= 0) {
            body.write(buffer, 0, n);
        }
        return body.toByteArray();
    }

    private String tooLarge() {
        return "request body is larger than " + limit + " bytes";
    }

    private void reject(HttpServletResponse response, int status, String error) throws IOException {
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        mapper.writeValue(response.getOutputStream(), new ErrorResponse(error));
    }

    /** The request as the routes see it: the body already read, decoded and bounded. */
    private static final class ReadBodyRequest extends HttpServletRequestWrapper {

        private final byte[] body;

        ReadBodyRequest(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("the body is already read");
                }

                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }

        @Override
        public String getHeader(String name) {
            if (name.equalsIgnoreCase("Content-Encoding")) {
                return null;
            }
            return name.equalsIgnoreCase("Content-Length") ? String.valueOf(body.length) : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            if (!name.equalsIgnoreCase("Content-Encoding") && !name.equalsIgnoreCase("Content-Length")) {
                return super.getHeaders(name);
            }
            String value = getHeader(name);
            return value == null ? Collections.emptyEnumeration() : Collections.enumeration(List.of(value));
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            return Collections.enumeration(Collections.list(super.getHeaderNames()).stream()
                    .filter(header -> !header.equalsIgnoreCase("Content-Encoding")).toList());
        }
    }
}
