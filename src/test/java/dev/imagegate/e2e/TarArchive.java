package dev.imagegate.e2e;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** A ustar archive of regular files: the shape of one container image layer. */
final class TarArchive {

    private static final int BLOCK = 512;

    private TarArchive() {
    }

    /** Files by path inside the image (no leading slash) and their text. */
    static byte[] of(Map<String, String> files) {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        files.forEach((path, text) -> {
            byte[] content = text.getBytes(StandardCharsets.UTF_8);
            tar.writeBytes(header(path, content.length));
            tar.writeBytes(content);
            tar.writeBytes(new byte[padding(content.length)]);
        });
        tar.writeBytes(new byte[2 * BLOCK]);
        return tar.toByteArray();
    }

    private static byte[] header(String path, int size) {
        byte[] header = new byte[BLOCK];
        put(header, 0, path, 100);
        put(header, 100, "0000644", 8);
        put(header, 108, "0000000", 8);
        put(header, 116, "0000000", 8);
        put(header, 124, String.format("%011o", size), 12);
        put(header, 136, String.format("%011o", 1_700_000_000L), 12);
        header[156] = '0';
        put(header, 257, "ustar", 6);
        put(header, 263, "00", 2);
        for (int i = 148; i < 156; i++) {
            header[i] = ' ';
        }
        int checksum = 0;
        for (byte b : header) {
            checksum += b & 0xff;
        }
        put(header, 148, String.format("%06o", checksum), 7);
        return header;
    }

    private static void put(byte[] header, int offset, String value, int length) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length > length) {
            throw new IllegalArgumentException("too long for a tar header field: " + value);
        }
        System.arraycopy(bytes, 0, header, offset, bytes.length);
    }

    private static int padding(int size) {
        return (BLOCK - size % BLOCK) % BLOCK;
    }
}
