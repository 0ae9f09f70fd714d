package dev.imagegate.signature;

import dev.imagegate.image.ImageReference;

/** One {@code cosign verify}: an image by digest against one key. */
public record CosignRun(ImageReference image, SigningKey key, TransparencyLog transparencyLog) {
}
