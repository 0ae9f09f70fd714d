package dev.imagegate.review;

import dev.imagegate.scan.Scanner;
import org.springframework.stereotype.Component;

/** The per-image steps of {@code routes/review.yaml}'s split: validate, then scan. */
@Component("imageChecks")
public class ImageChecks {

    private final Scanner scanner;

    public ImageChecks(Scanner scanner) {
        this.scanner = scanner;
    }

    /** The reference grammar (invalid: denied, never scanned), then the policy's rules that need no scan. */
    public ImageCheck validate(ImageCheck check) {
        return check.validated();
    }

    /**
     * The image with its scan (cached, already running, or started now), not waited for: the review waits for
     * all of its images at once, up to its deadline. Images that need no scan pass unchanged.
     */
    public ImageCheck scan(ImageCheck check) {
        return check.needsScan() ? check.scanned(scanner.scan(check.reference())) : check;
    }
}
