package dev.imagegate.signature;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * A public key signatures may be made with, as the policy names it.
 *
 * @param name      how reasons and audit annotations name it ("release")
 * @param publicKey the PEM text ({@code -----BEGIN PUBLIC KEY-----}), as {@code cosign generate-key-pair} writes it
 */
public record SigningKey(String name, String publicKey) {

    private static final String BEGIN = "-----BEGIN PUBLIC KEY-----";
    private static final String END = "-----END PUBLIC KEY-----";
    /** The key types cosign signs with: ECDSA (its default), RSA and Ed25519. */
    private static final List<String> ALGORITHMS = List.of("EC", "RSA", "Ed25519");

    /** Why {@code pem} is not a public key cosign could check with, or empty when it is one. */
    public static Optional<String> problemWith(String pem) {
        String text = pem.strip();
        if (!text.startsWith(BEGIN) || !text.endsWith(END)) {
            return Optional.of("not a PEM public key (" + BEGIN + " ... " + END + ")");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(text.substring(BEGIN.length(), text.length() - END.length())
                    .getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            return Optional.of("the PEM body is not base64");
        }
        for (String algorithm : ALGORITHMS) {
            try {
                KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
                return Optional.empty();
            } catch (InvalidKeySpecException | NoSuchAlgorithmException e) {
                // Try the next key type.
            }
        }
        return Optional.of("not an EC, RSA or Ed25519 public key");
    }
}
