package dev.imagegate.scan;

import dev.imagegate.image.ImageReference;

import java.util.concurrent.CompletableFuture;

/**
 * The scan of one image of a review: finished, or still running. A holder rather than the bare future,
 * because Camel's bean step would wait for a returned future, and the review must not wait image by image
 * but for all of them at once, up to its deadline.
 *
 * @param pinned the image by digest, once known: the digest that is judged
 */
public record ImageScan(CompletableFuture<ScanOutcome> outcome, CompletableFuture<ImageReference> pinned) {

    /** An outcome reached without looking at the image in a registry, so without a digest. */
    public static ImageScan finished(ScanOutcome outcome) {
        return new ImageScan(CompletableFuture.completedFuture(outcome), CompletableFuture.completedFuture(null));
    }

    /** The digest judged, when the image has been pinned to one by now. */
    public String digestNow() {
        return pinned.isDone() && !pinned.isCompletedExceptionally() && pinned.join() != null ? pinned.join().digest() : null;
    }
}
