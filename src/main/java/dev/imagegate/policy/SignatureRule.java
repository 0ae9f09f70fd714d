package dev.imagegate.policy;

import dev.imagegate.image.ImageReference;
import dev.imagegate.signature.KeySet;

import java.util.List;

/**
 * Images that must be signed by one of {@code keys}, optionally only in some namespaces.
 *
 * @param images     the images it applies to
 * @param namespaces the namespaces it applies to; empty or {@code "*"} means every namespace
 */
public record SignatureRule(List<ImagePattern> images, List<String> namespaces, KeySet keys, SignatureAction action) {

    public SignatureRule {
        images = List.copyOf(images);
        namespaces = List.copyOf(namespaces);
    }

    public boolean matches(ImageReference image, String namespace) {
        return images.stream().anyMatch(pattern -> pattern.matches(image))
                && (namespaces.isEmpty() || namespaces.contains("*") || namespaces.contains(namespace));
    }
}
