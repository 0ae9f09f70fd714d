package dev.imagegate.scan;

import java.util.concurrent.CompletableFuture;

/**
 * The scan of one image of a review: finished, or still running. A holder rather than the bare future,
 * because Camel's bean step would wait for a returned future, and the review must not wait image by image
 * but for all of them at once, up to its deadline.
 */
public record ImageScan(CompletableFuture<ScanOutcome> outcome) {

    public static ImageScan finished(ScanOutcome outcome) {
        return new ImageScan(CompletableFuture.completedFuture(outcome));
    }
}
